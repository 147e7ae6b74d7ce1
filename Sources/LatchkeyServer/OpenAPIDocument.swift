import Hummingbird

/// The OpenAPI 3.1 description of the management API, served at `/api/v1/openapi.json`. A test
/// sends a request to every operation it lists and checks the route exists.
enum OpenAPIDocument {
    static var response: Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: json))
        )
    }

    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Latchkey management API",
  "version": "1.0.0",
  "description": "Client IDs, client secrets and apps of a platform's sellers. Every error answers with the Error schema: the field at fault and how to fix it. The OAuth 2.0 endpoints are described by /.well-known/oauth-authorization-server."
 },
 "servers": [
  {
   "url": "/api/v1"
  }
 ],
 "security": [
  {
   "sellerToken": []
  }
 ],
 "paths": {
  "/sellers": {
   "post": {
    "operationId": "signUp",
    "summary": "Create a seller account",
    "tags": [
     "sellers"
    ],
    "responses": {
     "201": {
      "description": "The new seller",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Seller"
        }
       }
      }
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SignUp"
       }
      }
     }
    },
    "security": []
   }
  },
  "/sellers/me": {
   "get": {
    "operationId": "currentSeller",
    "summary": "The seller the token belongs to",
    "tags": [
     "sellers"
    ],
    "responses": {
     "200": {
      "description": "The seller",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Seller"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/tokens": {
   "post": {
    "operationId": "createToken",
    "summary": "Exchange email and password for a seller API token",
    "tags": [
     "sellers"
    ],
    "responses": {
     "201": {
      "description": "The token, shown once",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/APIToken"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Credentials"
       }
      }
     }
    },
    "security": []
   }
  },
  "/tokens/current": {
   "delete": {
    "operationId": "revokeToken",
    "summary": "Revoke the token used for this request",
    "tags": [
     "sellers"
    ],
    "responses": {
     "204": {
      "description": "Revoked"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/clients": {
   "post": {
    "operationId": "createClient",
    "summary": "Register a Client ID with its first secret (the signing secret)",
    "tags": [
     "clients"
    ],
    "responses": {
     "201": {
      "description": "The Client ID; secret.value appears in this response only",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NewClient"
       }
      }
     }
    }
   },
   "get": {
    "operationId": "listClients",
    "summary": "The seller's Client IDs",
    "tags": [
     "clients"
    ],
    "responses": {
     "200": {
      "description": "Client IDs",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "clients"
         ],
         "properties": {
          "clients": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Client"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/clients/{clientId}": {
   "parameters": [
    {
     "$ref": "#/components/parameters/clientId"
    }
   ],
   "get": {
    "operationId": "getClient",
    "summary": "One Client ID with its secrets (never their values)",
    "tags": [
     "clients"
    ],
    "responses": {
     "200": {
      "description": "The Client ID",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   },
   "patch": {
    "operationId": "updateClient",
    "summary": "Edit friendly name, app domain or redirect URL",
    "tags": [
     "clients"
    ],
    "responses": {
     "200": {
      "description": "The Client ID",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ClientEdit"
       }
      }
     }
    }
   },
   "delete": {
    "operationId": "deleteClient",
    "summary": "Delete the Client ID, its secrets, and detach it from apps",
    "tags": [
     "clients"
    ],
    "responses": {
     "204": {
      "description": "Deleted"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/clients/{clientId}/secrets": {
   "parameters": [
    {
     "$ref": "#/components/parameters/clientId"
    }
   ],
   "post": {
    "operationId": "addSecret",
    "summary": "Generate another client secret",
    "tags": [
     "secrets"
    ],
    "responses": {
     "201": {
      "description": "The secret; value appears in this response only",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/NewSecret"
        }
       }
      }
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "properties": {
         "validityYears": {
          "type": "integer",
          "enum": [
           1,
           2,
           3
          ],
          "description": "Defaults to the Client ID's secretValidityYears"
         }
        }
       }
      }
     }
    }
   }
  },
  "/clients/{clientId}/secrets/{secretId}": {
   "parameters": [
    {
     "$ref": "#/components/parameters/clientId"
    },
    {
     "$ref": "#/components/parameters/secretId"
    }
   ],
   "delete": {
    "operationId": "deleteSecret",
    "summary": "Delete a client secret; the next valid secret signs if it was the signing one",
    "tags": [
     "secrets"
    ],
    "responses": {
     "200": {
      "description": "The Client ID after the deletion",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/clients/{clientId}/signing-secret": {
   "parameters": [
    {
     "$ref": "#/components/parameters/clientId"
    }
   ],
   "put": {
    "operationId": "setSigningSecret",
    "summary": "Make an active secret the signing secret",
    "tags": [
     "secrets"
    ],
    "responses": {
     "200": {
      "description": "The Client ID",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "secretId"
        ],
        "properties": {
         "secretId": {
          "type": "string",
          "format": "uuid",
          "pattern": "^[0-9a-f-]{36}$"
         }
        }
       }
      }
     }
    }
   }
  },
  "/apps": {
   "post": {
    "operationId": "createApp",
    "summary": "Add an app (draft)",
    "tags": [
     "apps"
    ],
    "responses": {
     "201": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AppInput"
       }
      }
     }
    }
   },
   "get": {
    "operationId": "listApps",
    "summary": "The seller's apps",
    "tags": [
     "apps"
    ],
    "responses": {
     "200": {
      "description": "Apps",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AppList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/apps/{appId}": {
   "parameters": [
    {
     "$ref": "#/components/parameters/appId"
    }
   ],
   "get": {
    "operationId": "getApp",
    "summary": "One app (operators may read any)",
    "tags": [
     "apps"
    ],
    "responses": {
     "200": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   },
   "patch": {
    "operationId": "updateApp",
    "summary": "Edit an app; changing the Client ID of an approved app puts it back into review",
    "tags": [
     "apps"
    ],
    "responses": {
     "200": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AppInput"
       }
      }
     }
    }
   },
   "delete": {
    "operationId": "deleteApp",
    "summary": "Delete an app",
    "tags": [
     "apps"
    ],
    "responses": {
     "204": {
      "description": "Deleted"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/apps/{appId}/submit": {
   "parameters": [
    {
     "$ref": "#/components/parameters/appId"
    }
   ],
   "post": {
    "operationId": "submitApp",
    "summary": "Submit for approval",
    "tags": [
     "apps"
    ],
    "responses": {
     "200": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    }
   }
  },
  "/apps/{appId}/approve": {
   "parameters": [
    {
     "$ref": "#/components/parameters/appId"
    }
   ],
   "post": {
    "operationId": "approveApp",
    "summary": "Approve a submitted app (operators)",
    "tags": [
     "review"
    ],
    "responses": {
     "200": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": false,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Review"
       }
      }
     }
    }
   }
  },
  "/apps/{appId}/reject": {
   "parameters": [
    {
     "$ref": "#/components/parameters/appId"
    }
   ],
   "post": {
    "operationId": "rejectApp",
    "summary": "Reject a submitted app with a reason (operators)",
    "tags": [
     "review"
    ],
    "responses": {
     "200": {
      "description": "The app",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/App"
        }
       }
      }
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "409": {
      "$ref": "#/components/responses/Conflict"
     },
     "422": {
      "$ref": "#/components/responses/Invalid"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     },
     "404": {
      "$ref": "#/components/responses/NotFound"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Review"
       }
      }
     }
    }
   }
  },
  "/review/apps": {
   "get": {
    "operationId": "reviewQueue",
    "summary": "Submitted apps awaiting review (operators)",
    "tags": [
     "review"
    ],
    "responses": {
     "200": {
      "description": "Apps",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AppList"
        }
       }
      }
     },
     "403": {
      "$ref": "#/components/responses/Forbidden"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    }
   }
  },
  "/audit": {
   "get": {
    "operationId": "listAudit",
    "summary": "The seller's audit log, newest first",
    "tags": [
     "audit"
    ],
    "responses": {
     "200": {
      "description": "Entries",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AuditPage"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/BadRequest"
     },
     "401": {
      "$ref": "#/components/responses/Unauthenticated"
     }
    },
    "parameters": [
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 500,
       "default": 50
      }
     },
     {
      "name": "before",
      "in": "query",
      "description": "An entry id, from nextBefore",
      "schema": {
       "type": "string",
       "format": "uuid"
      }
     }
    ]
   }
  },
  "/openapi.json": {
   "get": {
    "operationId": "openAPI",
    "summary": "This document",
    "tags": [
     "meta"
    ],
    "responses": {
     "200": {
      "description": "OpenAPI 3.1",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    },
    "security": []
   }
  }
 },
 "components": {
  "securitySchemes": {
   "sellerToken": {
    "type": "http",
    "scheme": "bearer",
    "description": "A seller API token from POST /tokens"
   }
  },
  "parameters": {
   "clientId": {
    "name": "clientId",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid",
     "pattern": "^[0-9a-f-]{36}$"
    }
   },
   "secretId": {
    "name": "secretId",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid",
     "pattern": "^[0-9a-f-]{36}$"
    }
   },
   "appId": {
    "name": "appId",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid",
     "pattern": "^[0-9a-f-]{36}$"
    }
   }
  },
  "responses": {
   "BadRequest": {
    "description": "The body is not the expected JSON",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Unauthenticated": {
    "description": "Missing or invalid seller API token",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Forbidden": {
    "description": "The caller may not do this",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "NotFound": {
    "description": "No such object among the caller's",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Conflict": {
    "description": "The object's state forbids the change (cap reached, already submitted, \u2026)",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Invalid": {
    "description": "One or more fields break a rule",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "required": [
     "error",
     "message",
     "issues",
     "requestId"
    ],
    "properties": {
     "error": {
      "type": "string"
     },
     "message": {
      "type": "string"
     },
     "requestId": {
      "type": "string"
     },
     "issues": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "field",
        "code",
        "message"
       ],
       "properties": {
        "field": {
         "type": "string"
        },
        "code": {
         "type": "string"
        },
        "message": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "SignUp": {
    "type": "object",
    "required": [
     "email",
     "password",
     "displayName"
    ],
    "properties": {
     "email": {
      "type": "string",
      "format": "email"
     },
     "password": {
      "type": "string",
      "minLength": 10
     },
     "displayName": {
      "type": "string",
      "maxLength": 100
     }
    }
   },
   "Credentials": {
    "type": "object",
    "required": [
     "email",
     "password"
    ],
    "properties": {
     "email": {
      "type": "string"
     },
     "password": {
      "type": "string"
     }
    }
   },
   "Seller": {
    "type": "object",
    "required": [
     "id",
     "email",
     "displayName",
     "role",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "email": {
      "type": "string"
     },
     "displayName": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "seller",
       "operator"
      ]
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "APIToken": {
    "type": "object",
    "required": [
     "token",
     "tokenType",
     "seller"
    ],
    "properties": {
     "token": {
      "type": "string"
     },
     "tokenType": {
      "const": "Bearer"
     },
     "seller": {
      "$ref": "#/components/schemas/Seller"
     }
    }
   },
   "NewClient": {
    "type": "object",
    "required": [
     "friendlyName",
     "appDomain",
     "redirectUrl"
    ],
    "properties": {
     "friendlyName": {
      "type": "string",
      "maxLength": 100
     },
     "appDomain": {
      "type": "string",
      "description": "Host name with optional :port; no scheme, no path, no IDN",
      "examples": [
       "app.contoso.com"
      ]
     },
     "redirectUrl": {
      "type": "string",
      "description": "https URL on the app domain or a subdomain of it"
     },
     "secretValidityYears": {
      "type": "integer",
      "enum": [
       1,
       2,
       3
      ],
      "default": 1
     },
     "availability": {
      "type": "string",
      "enum": [
       "worldwide",
       "china"
      ],
      "default": "worldwide"
     }
    }
   },
   "ClientEdit": {
    "type": "object",
    "properties": {
     "friendlyName": {
      "type": "string"
     },
     "appDomain": {
      "type": "string"
     },
     "redirectUrl": {
      "type": "string"
     }
    }
   },
   "Secret": {
    "type": "object",
    "required": [
     "id",
     "hint",
     "createdAt",
     "startsAt",
     "endsAt",
     "isSigning",
     "status",
     "expiresSoon"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "hint": {
      "type": "string",
      "description": "First three characters of the value"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "startsAt": {
      "type": "string",
      "format": "date-time"
     },
     "endsAt": {
      "type": "string",
      "format": "date-time"
     },
     "isSigning": {
      "type": "boolean"
     },
     "status": {
      "type": "string",
      "enum": [
       "pending",
       "active",
       "expired"
      ]
     },
     "expiresSoon": {
      "type": "boolean",
      "description": "Ends within 30 days"
     },
     "lastUsedAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "NewSecret": {
    "type": "object",
    "required": [
     "id",
     "value",
     "hint",
     "startsAt",
     "endsAt",
     "isSigning",
     "status"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "value": {
      "type": "string",
      "description": "44 characters of base64; shown only here"
     },
     "hint": {
      "type": "string"
     },
     "startsAt": {
      "type": "string",
      "format": "date-time"
     },
     "endsAt": {
      "type": "string",
      "format": "date-time"
     },
     "isSigning": {
      "type": "boolean"
     },
     "status": {
      "type": "string",
      "enum": [
       "pending",
       "active",
       "expired"
      ]
     }
    }
   },
   "Client": {
    "type": "object",
    "required": [
     "clientId",
     "friendlyName",
     "appDomain",
     "redirectUrl",
     "availability",
     "secretValidityYears",
     "createdAt",
     "secrets"
    ],
    "properties": {
     "clientId": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "friendlyName": {
      "type": "string"
     },
     "appDomain": {
      "type": "string"
     },
     "redirectUrl": {
      "type": "string"
     },
     "availability": {
      "type": "string",
      "enum": [
       "worldwide",
       "china"
      ]
     },
     "secretValidityYears": {
      "type": "integer"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "signingSecretId": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "secrets": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Secret"
      }
     },
     "secret": {
      "$ref": "#/components/schemas/NewSecret",
      "description": "Only in the response that created the Client ID"
     }
    }
   },
   "AppInput": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "markets": {
      "type": "array",
      "items": {
       "type": "string",
       "pattern": "^[A-Za-z]{2}$"
      }
     },
     "requiresServerToServerAuth": {
      "type": "boolean"
     },
     "clientId": {
      "type": [
       "string",
       "null"
      ],
      "description": "Only with requiresServerToServerAuth; null clears it"
     }
    }
   },
   "App": {
    "type": "object",
    "required": [
     "id",
     "name",
     "description",
     "markets",
     "requiresServerToServerAuth",
     "needsClientId",
     "status",
     "createdAt",
     "updatedAt"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "name": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "markets": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "requiresServerToServerAuth": {
      "type": "boolean"
     },
     "clientId": {
      "type": "string",
      "format": "uuid",
      "pattern": "^[0-9a-f-]{36}$"
     },
     "needsClientId": {
      "type": "boolean"
     },
     "status": {
      "type": "string",
      "enum": [
       "draft",
       "submitted",
       "approved",
       "rejected"
      ]
     },
     "reviewReason": {
      "type": "string"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "updatedAt": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "AppList": {
    "type": "object",
    "required": [
     "apps"
    ],
    "properties": {
     "apps": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/App"
      }
     }
    }
   },
   "Review": {
    "type": "object",
    "properties": {
     "reason": {
      "type": "string",
      "description": "Required to reject"
     }
    }
   },
   "AuditPage": {
    "type": "object",
    "required": [
     "entries"
    ],
    "properties": {
     "nextBefore": {
      "type": "string",
      "format": "uuid"
     },
     "entries": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "id",
        "actor",
        "action",
        "objectType",
        "objectId",
        "at"
       ],
       "properties": {
        "id": {
         "type": "string",
         "format": "uuid",
         "pattern": "^[0-9a-f-]{36}$"
        },
        "actor": {
         "type": "string"
        },
        "action": {
         "type": "string"
        },
        "objectType": {
         "type": "string"
        },
        "objectId": {
         "type": "string"
        },
        "at": {
         "type": "string",
         "format": "date-time"
        },
        "sourceIp": {
         "type": "string"
        },
        "detail": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  }
 }
}
"""#
}
