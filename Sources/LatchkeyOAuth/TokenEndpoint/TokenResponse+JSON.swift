import LatchkeyWire

extension TokenResponse {
    /// The RFC 6749 §5.1 body.
    public var jsonText: String {
        var members: [(String, JSONText.Value)] = [("access_token", .token(accessToken)), ("expires_in", .integer(expiresIn))]
        if let idToken { members.append(("id_token", .token(idToken))) }
        if let refreshToken { members.append(("refresh_token", .token(refreshToken))) }
        if let scope { members.append(("scope", .string(scope))) }
        members.append(("token_type", .string(tokenType)))
        return JSONText.object(members)
    }
}
