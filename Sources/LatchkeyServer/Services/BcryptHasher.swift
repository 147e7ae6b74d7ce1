import HummingbirdBcrypt
import LatchkeyCore
import NIOPosix

/// bcrypt for seller passwords, run on the blocking thread pool so that a sign-in never stalls
/// the event loops that serve tokens.
struct BcryptHasher: PasswordHasher {
    let cost: UInt8
    let decoyHash: String

    init(cost: UInt8) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash(GeneratedSecret.generate().value, cost: cost)
    }

    func hash(_ password: String) async -> String {
        let cost = self.cost
        return (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }) ?? Bcrypt.hash(password, cost: cost)
    }

    func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }
}
