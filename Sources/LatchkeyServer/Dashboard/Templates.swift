// The dashboard's pages as mustache templates. Each page extends `layout`; `{{x}}` escapes HTML.
// Dialogs are <dialog> elements opened by a link to their #id: CSS shows the :target without
// JavaScript, and dashboard.js upgrades them to modal dialogs.

enum Templates {
    static let all: [String: String] = [
        "layout": layout, "message": message, "signin": signIn, "signup": signUp,
        "clients": clients, "client-new": clientNew, "secret-shown": secretShown, "client": client,
        "secret-new": secretNew, "apps": apps, "app-form": appForm, "review": review, "activity": activity,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Latchkey Seller Dashboard</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css">
        <script src="/dashboard/assets/dashboard.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/dashboard/clients">Latchkey <span>Seller Dashboard</span></a>
          {{#seller}}
          <nav aria-label="Main">
            <ul>
              <li><a href="/dashboard/clients" {{#tabClients}}aria-current="page"{{/tabClients}}>client ids</a></li>
              <li><a href="/dashboard/apps" {{#tabApps}}aria-current="page"{{/tabApps}}>apps</a></li>
              <li><a href="/dashboard/activity" {{#tabActivity}}aria-current="page"{{/tabActivity}}>activity</a></li>
              {{#isOperator}}<li><a href="/dashboard/review" {{#tabReview}}aria-current="page"{{/tabReview}}>review</a></li>{{/isOperator}}
            </ul>
          </nav>
          <form class="signout" method="post" action="/dashboard/signout">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <span class="who">{{name}}</span>
            <button type="submit" class="link">sign out</button>
          </form>
          {{/seller}}
        </header>
        <main id="main" tabindex="-1">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let message = """
        {{<layout}}{{$content}}
        <h1>{{title}}</h1>
        <p>{{body.text}}</p>
        <p><a class="button" href="/dashboard/clients">Back to your Client IDs</a></p>
        {{/content}}{{/layout}}
        """

    static let signIn = """
        {{<layout}}{{$content}}
        <section class="narrow">
        <h1>Sign in</h1>
        {{#body.error}}<p class="error-summary" role="alert">{{body.error}}</p>{{/body.error}}
        <form method="post" action="/dashboard/signin" novalidate>
          <input type="hidden" name="_csrf" value="{{csrf}}">
          <div class="field"><label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" value="{{body.email}}" required></div>
          <div class="field"><label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required></div>
          <button type="submit" class="primary">sign in</button>
        </form>
        <p>New here? <a href="/dashboard/signup">Create a seller account</a>.</p>
        </section>
        {{/content}}{{/layout}}
        """

    static let signUp = """
        {{<layout}}{{$content}}
        <section class="narrow">
        <h1>Create a seller account</h1>
        <form method="post" action="/dashboard/signup" novalidate>
          <input type="hidden" name="_csrf" value="{{csrf}}">
          {{#body.fields}}
          <div class="field{{#error}} invalid{{/error}}">
            <label for="{{name}}">{{label}}</label>
            {{#hint}}<p class="hint" id="{{name}}-hint">{{hint}}</p>{{/hint}}
            {{#error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/error}}
            <input id="{{name}}" name="{{name}}" type="{{type}}" value="{{value}}" autocomplete="{{autocomplete}}"
              {{#error}}aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>
          </div>
          {{/body.fields}}
          <button type="submit" class="primary">create account</button>
        </form>
        <p>Have an account? <a href="/dashboard/signin">Sign in</a>.</p>
        </section>
        {{/content}}{{/layout}}
        """

    static let clients = """
        {{<layout}}{{$content}}
        <div class="heading">
          <h1>Client IDs</h1>
          <a class="button primary" href="/dashboard/clients/new">add a new oauth client id</a>
        </div>
        <p class="lead">A Client ID and its secrets let a service app sign users in and call the platform for them.
          One Client ID per app; keep few secrets under it.</p>
        {{^body.clients}}<p class="empty">No Client IDs yet.</p>{{/body.clients}}
        {{^empty(body.clients)}}
        <div class="table-wrap"><table>
          <caption class="visually-hidden">Your Client IDs</caption>
          <thead><tr><th scope="col">Friendly name</th><th scope="col">App domain</th><th scope="col">Availability</th>
            <th scope="col">Secrets</th><th scope="col">Next secret end</th></tr></thead>
          <tbody>
          {{#body.clients}}
          <tr>
            <th scope="row"><a href="/dashboard/clients/{{id}}">{{friendlyName}}</a><br><code class="id">{{id}}</code></th>
            <td>{{appDomain}}</td>
            <td>{{availability}}</td>
            <td>{{secretCount}}</td>
            <td>{{nearestEnd}}{{#expiring}} <span class="badge warn">expiring</span>{{/expiring}}</td>
          </tr>
          {{/body.clients}}
          </tbody>
        </table></div>
        {{/empty(body.clients)}}
        {{/content}}{{/layout}}
        """

    static let clientNew = """
        {{<layout}}{{$content}}
        <p class="wizard">ADD A CLIENT ID · <strong>provide details</strong> · obtain client secret</p>
        <h1>Create a new Client ID</h1>
        {{^empty(body.errors)}}<div class="error-summary" role="alert" tabindex="-1" id="errors">
          <p>Fix these fields:</p><ul>{{#body.errors}}<li><a href="#{{field}}">{{message}}</a></li>{{/body.errors}}</ul></div>{{/empty(body.errors)}}
        <form method="post" action="/dashboard/clients/new" novalidate class="form">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          {{#body.fields}}
          <div class="field{{#error}} invalid{{/error}}">
            <label for="{{name}}">{{label}}</label>
            <p class="hint" id="{{name}}-hint">{{hint}}</p>
            {{#error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/error}}
            <input id="{{name}}" name="{{name}}" type="text" value="{{value}}" spellcheck="false"
              aria-describedby="{{name}}-hint{{#error}} {{name}}-error{{/error}}" {{#error}}aria-invalid="true"{{/error}}>
          </div>
          {{/body.fields}}
          <fieldset class="field{{#body.validityError}} invalid{{/body.validityError}}">
            <legend>Client Secret Valid For</legend>
            {{#body.validityError}}<p class="field-error">{{body.validityError}}</p>{{/body.validityError}}
            {{#body.validity}}
            <label class="choice"><input type="radio" name="secretValidityYears" value="{{years}}" {{#checked}}checked{{/checked}}>
              {{label}}{{#recommended}} <span class="badge">recommended</span>{{/recommended}}</label>
            {{/body.validity}}
            <p class="hint">One year is easy to track in business processes; a longer period has no security impact. You will update your app before the secret expires.</p>
          </fieldset>
          <fieldset class="field{{#body.availabilityError}} invalid{{/body.availabilityError}}">
            <legend>Client ID and Secret Availability</legend>
            {{#body.availabilityError}}<p class="field-error">{{body.availabilityError}}</p>{{/body.availabilityError}}
            <label class="choice"><input type="radio" name="availability" value="worldwide" {{^body.china}}checked{{/body.china}}>
              This Client ID will be used for an app that is available worldwide</label>
            <label class="choice"><input type="radio" name="availability" value="china" {{#body.china}}checked{{/body.china}}>
              This Client ID will be used for an app that is available in China only</label>
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary">GENERATE CLIENT ID</button>
            <a href="/dashboard/clients">cancel</a>
          </div>
        </form>
        {{/content}}{{/layout}}
        """

    static let secretShown = """
        {{<layout}}{{$content}}
        {{#body.isNewClient}}<p class="wizard">ADD A CLIENT ID · provide details · <strong>obtain client secret</strong></p>{{/body.isNewClient}}
        <h1>{{#body.isNewClient}}Obtain client secret{{/body.isNewClient}}{{^body.isNewClient}}New client secret{{/body.isNewClient}}</h1>
        <div class="callout" role="note">
          <p><strong>Copy the client secret now.</strong> It is tied to your Client ID, but it will not be shown in the Seller Dashboard again.</p>
          <p>Store it where nobody else can read it, and note its start and end dates: before it ends you must add a new secret and update your app.</p>
          {{^body.isNewClient}}<p>{{body.activation}}</p>{{/body.isNewClient}}
        </div>
        <dl class="credentials">
          <dt>Client ID</dt>
          <dd><input type="text" class="copy-source" id="client-id" readonly value="{{body.clientID}}" aria-label="Client ID">
            <button type="button" class="copy" data-copy="client-id">copy</button></dd>
          <dt>Client secret</dt>
          <dd><input type="text" class="copy-source secret" id="client-secret" readonly spellcheck="false" value="{{body.secret}}" aria-label="Client secret">
            <button type="button" class="copy" data-copy="client-secret">copy</button></dd>
          <dt>Start date</dt><dd>{{body.startsAt}}</dd>
          <dt>End date</dt><dd>{{body.endsAt}}</dd>
        </dl>
        <p class="actions"><a class="button primary" id="done" href="#confirm-copied">DONE</a></p>
        <dialog id="confirm-copied" aria-labelledby="confirm-copied-title">
          <h2 id="confirm-copied-title">Have you copied your client secret?</h2>
          <p>You will not see it again. If you lose it, you will have to add a new one and update your app.</p>
          <div class="actions">
            <a class="button" href="#" data-close id="copied-cancel">cancel</a>
            <a class="button primary" href="/dashboard/clients/{{body.clientID}}" id="copied-yes">YES</a>
          </div>
        </dialog>
        {{/content}}{{/layout}}
        """

    static let client = """
        {{<layout}}{{$content}}
        <p class="crumbs"><a href="/dashboard/clients">client ids</a> › {{body.friendlyName}}</p>
        <h1>{{body.friendlyName}}</h1>
        <section aria-labelledby="oauth-client-id">
          <h2 id="oauth-client-id">OAUTH CLIENT ID</h2>
          <dl class="summary">
            <dt>Client ID</dt><dd><code>{{body.id}}</code></dd>
            <dt>Availability</dt><dd>{{body.availability}}</dd>
            <dt>Secret validity</dt><dd>{{body.validity}}</dd>
            <dt>Created</dt><dd>{{body.createdAt}}</dd>
          </dl>
          {{^empty(body.errors)}}<div class="error-summary" role="alert"><ul>{{#body.errors}}<li><a href="#{{field}}">{{message}}</a></li>{{/body.errors}}</ul></div>{{/empty(body.errors)}}
          <form method="post" action="/dashboard/clients/{{body.id}}" class="form" novalidate>
            <input type="hidden" name="_csrf" value="{{csrf}}">
            {{#body.fields}}
            <div class="field{{#error}} invalid{{/error}}">
              <label for="{{name}}">{{label}}</label>
              {{#error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/error}}
              <input id="{{name}}" name="{{name}}" type="text" value="{{value}}" spellcheck="false" {{#error}}aria-invalid="true" aria-describedby="{{name}}-error"{{/error}}>
            </div>
            {{/body.fields}}
            <div class="actions"><button type="submit">save details</button>
              <a class="button danger" href="#delete-client" id="delete-client-open">DELETE</a></div>
          </form>
        </section>
        <section aria-labelledby="client-secrets">
          <div class="heading"><h2 id="client-secrets">client secrets</h2>
            <a class="button primary" href="/dashboard/clients/{{body.id}}/secrets/new">ADD NEW CLIENT SECRET</a></div>
          <p class="hint">Any active secret works as your app's password. The secret with the green check signs the data sent to your app.
            We recommend keeping few secrets.</p>
          <div class="table-wrap"><table>
            <caption class="visually-hidden">Client secrets</caption>
            <thead><tr><th scope="col">Signing</th><th scope="col">Secret</th><th scope="col">Start</th><th scope="col">End</th>
              <th scope="col">Status</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
            {{#body.secrets}}
            <tr id="secret-{{id}}">
              <td>{{#isSigning}}<span class="check" role="img" aria-label="signing secret">✔</span>{{/isSigning}}
                {{#canSign}}<form method="post" action="/dashboard/clients/{{clientID}}/secrets/{{id}}/signing">
                  <input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="link make-signing">make signing</button></form>{{/canSign}}</td>
              <td><code>{{hint}}…</code></td>
              <td>{{startsAt}}</td>
              <td>{{endsAt}}{{#expiresSoon}} <span class="badge warn">expiring</span>{{/expiresSoon}}</td>
              <td><span class="status {{status}}">{{status}}</span></td>
              <td>{{lastUsed}}</td>
              <td><a class="remove" href="#delete-secret-{{id}}" aria-label="Delete secret {{hint}}…">✕</a></td>
            </tr>
            {{/body.secrets}}
            </tbody>
          </table></div>
        </section>
        {{#body.secrets}}
        <dialog id="delete-secret-{{id}}" aria-labelledby="delete-secret-{{id}}-title">
          <h2 id="delete-secret-{{id}}-title">Are you sure you want to delete this client secret?</h2>
          <p>Secret <code>{{hint}}…</code>, ending {{endsAt}}. It stops working at once.</p>
          {{#isSigning}}<p class="warning">This is the signing secret: the next valid secret will sign from now on.</p>{{/isSigning}}
          {{#isLastActive}}<p class="warning">This is the only active secret: your app will lose access until you add a new one.</p>{{/isLastActive}}
          <form method="post" action="/dashboard/clients/{{clientID}}/secrets/{{id}}/delete" class="actions">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <a class="button" href="#" data-close>NO</a>
            <button type="submit" class="danger">YES</button>
          </form>
        </dialog>
        {{/body.secrets}}
        <dialog id="delete-client" aria-labelledby="delete-client-title" {{#body.deleteError}}open{{/body.deleteError}}>
          <h2 id="delete-client-title">Are you sure you want to delete {{body.friendlyName}}?</h2>
          <p class="warning">Every secret of this Client ID is deleted, and every app using it loses access at once:
            its customers see downtime until you add another Client ID and update the app.</p>
          <form method="post" action="/dashboard/clients/{{body.id}}/delete">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="field{{#body.deleteError}} invalid{{/body.deleteError}}">
              <label for="confirm-name">Type the friendly name, <strong>{{body.friendlyName}}</strong>, to confirm</label>
              {{#body.deleteError}}<p class="field-error" id="confirm-name-error">{{body.deleteError}}</p>{{/body.deleteError}}
              <input id="confirm-name" name="confirmName" type="text" autocomplete="off" spellcheck="false">
            </div>
            <div class="actions"><a class="button" href="#" data-close>NO</a><button type="submit" class="danger">YES</button></div>
          </form>
        </dialog>
        {{/content}}{{/layout}}
        """

    static let secretNew = """
        {{<layout}}{{$content}}
        <p class="crumbs"><a href="/dashboard/clients">client ids</a> › <a href="/dashboard/clients/{{body.id}}">{{body.friendlyName}}</a> › new secret</p>
        <h1>Add a client secret to {{body.friendlyName}}</h1>
        {{#body.error}}<p class="error-summary" role="alert">{{body.error}}</p>{{/body.error}}
        <p>The new secret is valid for {{body.validity}}, the period chosen for this Client ID. {{body.activation}}</p>
        <p>Your current secrets keep working: update your app with the new one, then delete the old one.</p>
        <form method="post" action="/dashboard/clients/{{body.id}}/secrets/new" class="actions">
          <input type="hidden" name="_csrf" value="{{csrf}}">
          <button type="submit" class="primary">GENERATE CLIENT SECRET</button>
          <a href="/dashboard/clients/{{body.id}}">cancel</a>
        </form>
        {{/content}}{{/layout}}
        """

    static let apps = """
        {{<layout}}{{$content}}
        <div class="heading"><h1>Apps</h1><a class="button primary" href="/dashboard/apps/new">add an app</a></div>
        {{^body.apps}}<p class="empty">No apps yet.</p>{{/body.apps}}
        {{^empty(body.apps)}}
        <div class="table-wrap"><table>
          <caption class="visually-hidden">Your apps</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Markets</th><th scope="col">OAuth Client ID</th><th scope="col">Status</th></tr></thead>
          <tbody>
          {{#body.apps}}
          <tr><th scope="row"><a href="/dashboard/apps/{{id}}">{{name}}</a></th><td>{{markets}}</td>
            <td>{{clientName}}{{#needsClientID}} <span class="badge warn">needs a Client ID</span>{{/needsClientID}}</td>
            <td><span class="status {{status}}">{{status}}</span>{{#reviewReason}}<br><small>{{reviewReason}}</small>{{/reviewReason}}</td></tr>
          {{/body.apps}}
          </tbody>
        </table></div>
        {{/empty(body.apps)}}
        {{/content}}{{/layout}}
        """

    static let appForm = """
        {{<layout}}{{$content}}
        <p class="crumbs"><a href="/dashboard/apps">apps</a> › {{title}}</p>
        <h1>{{title}}</h1>
        {{#body.status}}<p>Status: <span class="status {{body.status}}">{{body.status}}</span>
          {{#body.reviewReason}}— reviewer's note: <q>{{body.reviewReason}}</q>{{/body.reviewReason}}</p>{{/body.status}}
        {{^empty(body.errors)}}<div class="error-summary" role="alert"><ul>{{#body.errors}}<li><a href="#{{field}}">{{message}}</a></li>{{/body.errors}}</ul></div>{{/empty(body.errors)}}
        <form method="post" action="{{body.action}}" class="form" novalidate>
          <input type="hidden" name="_csrf" value="{{csrf}}">
          <div class="field{{#body.nameError}} invalid{{/body.nameError}}"><label for="name">Name</label>
            {{#body.nameError}}<p class="field-error">{{body.nameError}}</p>{{/body.nameError}}
            <input id="name" name="name" type="text" value="{{body.name}}"></div>
          <div class="field{{#body.descriptionError}} invalid{{/body.descriptionError}}"><label for="description">Description</label>
            {{#body.descriptionError}}<p class="field-error">{{body.descriptionError}}</p>{{/body.descriptionError}}
            <textarea id="description" name="description" rows="3">{{body.description}}</textarea></div>
          <div class="field{{#body.marketsError}} invalid{{/body.marketsError}}"><label for="markets">Markets</label>
            <p class="hint" id="markets-hint">Country codes separated by commas, for example US, FR, DE. An app for China lists CN alone.</p>
            {{#body.marketsError}}<p class="field-error">{{body.marketsError}}</p>{{/body.marketsError}}
            <input id="markets" name="markets" type="text" value="{{body.markets}}" aria-describedby="markets-hint"></div>
          <div class="field"><label class="choice"><input type="checkbox" id="requiresServerToServerAuth" name="requiresServerToServerAuth" value="on"
            {{#body.serverToServer}}checked{{/body.serverToServer}} data-toggles="client-picker">
            My app is a service and requires server to server authorization</label></div>
          <div class="field{{#body.clientError}} invalid{{/body.clientError}}" id="client-picker">
            <label for="clientId">OAuth Client ID</label>
            {{#body.clientError}}<p class="field-error">{{body.clientError}}</p>{{/body.clientError}}
            <select id="clientId" name="clientId">
              <option value="">— none —</option>
              {{^empty(body.worldwide)}}<optgroup label="Client IDs">{{#body.worldwide}}<option value="{{id}}" {{#selected}}selected{{/selected}}>{{name}}</option>{{/body.worldwide}}</optgroup>{{/empty(body.worldwide)}}
              {{^empty(body.china)}}<optgroup label="Client IDs for Apps in China">{{#body.china}}<option value="{{id}}" {{#selected}}selected{{/selected}}>{{name}}</option>{{/body.china}}</optgroup>{{/empty(body.china)}}
            </select>
            <p class="hint">No Client ID for China? <a href="/dashboard/clients/new">Add one</a> that is available in China only.</p>
          </div>
          <div class="actions"><button type="submit" class="primary">save app</button><a href="/dashboard/apps">cancel</a></div>
        </form>
        {{#body.canSubmit}}
        <form method="post" action="{{body.action}}/submit" class="actions">
          <input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">submit for approval</button></form>
        {{/body.canSubmit}}
        {{#body.canDelete}}
        <p><a class="button danger" href="#delete-app">delete app</a></p>
        <dialog id="delete-app" aria-labelledby="delete-app-title">
          <h2 id="delete-app-title">Are you sure you want to delete {{body.name}}?</h2>
          <form method="post" action="{{body.action}}/delete" class="actions">
            <input type="hidden" name="_csrf" value="{{csrf}}"><a class="button" href="#" data-close>NO</a><button type="submit" class="danger">YES</button>
          </form>
        </dialog>
        {{/body.canDelete}}
        {{/content}}{{/layout}}
        """

    static let review = """
        {{<layout}}{{$content}}
        <h1>Apps waiting for review</h1>
        {{^body.apps}}<p class="empty">Nothing to review.</p>{{/body.apps}}
        {{#body.apps}}
        <article class="card" id="review-{{id}}">
          <h2>{{name}}</h2>
          <p>{{description}}</p>
          <dl class="summary"><dt>Publisher</dt><dd>{{publisher}}</dd><dt>Markets</dt><dd>{{markets}}</dd>
            <dt>Service app</dt><dd>{{serverToServer}}</dd><dt>Client ID</dt><dd>{{client}}</dd></dl>
          <form method="post" action="/dashboard/review/{{id}}/approve" class="actions">
            <input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="primary">approve</button></form>
          <form method="post" action="/dashboard/review/{{id}}/reject" class="form">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="field"><label for="reason-{{id}}">Reason for rejecting</label>
              <input id="reason-{{id}}" name="reason" type="text"></div>
            <button type="submit" class="danger">reject</button>
          </form>
        </article>
        {{/body.apps}}
        {{/content}}{{/layout}}
        """

    static let activity = """
        {{<layout}}{{$content}}
        <h1>Activity</h1>
        <p class="lead">Every change to your account, Client IDs, secrets and apps.</p>
        <div class="table-wrap"><table>
          <caption class="visually-hidden">Activity</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Object</th><th scope="col">From</th></tr></thead>
          <tbody>
          {{#body.entries}}
          <tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}{{#detail}}<br><small>{{detail}}</small>{{/detail}}</td><td><code>{{objectType}} {{objectID}}</code></td><td>{{sourceIP}}</td></tr>
          {{/body.entries}}
          </tbody>
        </table></div>
        {{#body.next}}<p><a href="/dashboard/activity?before={{body.next}}">older</a></p>{{/body.next}}
        {{/content}}{{/layout}}
        """
}
