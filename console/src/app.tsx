/**
 * The console: its settings, the sign-in (every page needs a session; the callback finishes one), and
 * the pages under /console. Which pages and forms appear follows the token's permissions; /v1 checks
 * every call regardless.
 */
import { useEffect, useState } from "preact/hooks";
import { Redirect, Route, Router, Switch, useLocation } from "wouter-preact";
import { SIGNED_OUT } from "./api.ts";
import { Frame, PageTitle } from "./components.tsx";
import type { ConsoleConfig } from "./config.ts";
import { ApiKeysPage } from "./pages/api-keys.tsx";
import { ApiScopesPage } from "./pages/api-scopes.tsx";
import { ApisPage } from "./pages/apis.tsx";
import { ApplicationsPage } from "./pages/applications.tsx";
import { HistoryPage } from "./pages/history.tsx";
import { OpenApiPage } from "./pages/openapi.tsx";
import { RevisionPage } from "./pages/revision.tsx";
import { RolesPage } from "./pages/roles.tsx";
import { ScopePage } from "./pages/scope.tsx";
import { SyncPage } from "./pages/sync.tsx";
import { UserPage } from "./pages/user.tsx";
import { UsersPage } from "./pages/users.tsx";
import { clearSession, holds, readSession, type Session } from "./session.ts";
import { finishSignIn, signInErrorText, startSignIn } from "./sign-in.ts";

export const BASE = "/console";

/** A path parameter as the name it stands for: links encode names (api.ts `segment`), the router does not decode. */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The console page being shown, as a path under /console with its query. */
const here = (): string => window.location.pathname.slice(BASE.length) + window.location.search || "/";

function SignInPage(props: { config: ConsoleConfig; reason?: string }) {
  return (
    <main id="main" class="sign-in">
      <PageTitle title="Sign in">scopectl console</PageTitle>
      {props.reason ? (
        <p class="message error" role="alert">
          {props.reason}
        </p>
      ) : null}
      <p>
        Sign in with your scopectl account. What you see follows the management permissions your roles grant
        (read:apis, read:users, …).
      </p>
      <button type="button" onClick={() => void startSignIn(props.config, here())}>
        Sign in
      </button>
    </main>
  );
}

function Callback(props: { config: ConsoleConfig; onSession: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [, navigate] = useLocation();
  useEffect(() => {
    finishSignIn(props.config, new URL(window.location.href)).then(
      (returnTo) => {
        props.onSession();
        navigate(returnTo === "/callback" || !returnTo.startsWith("/") ? "/apis" : returnTo, {
          replace: true,
        });
      },
      (e: unknown) => setError(signInErrorText(e)),
    );
  }, []);
  if (error) return <SignInPage config={props.config} reason={`Signing in failed: ${error}`} />;
  return (
    <main id="main">
      <p role="status">Signing in…</p>
    </main>
  );
}

function Pages(props: { session: Session }) {
  const { session } = props;
  return (
    <Switch>
      <Route path="/">
        <Redirect to="/apis" replace />
      </Route>
      <Route path="/apis" component={ApisPage} />
      <Route path="/apis/:api">{(p) => <ApiScopesPage api={decoded(p.api)} session={session} />}</Route>
      <Route path="/apis/:api/openapi">{(p) => <OpenApiPage api={decoded(p.api)} session={session} />}</Route>
      <Route path="/apis/:api/scopes/:scope">
        {(p) => <ScopePage api={decoded(p.api)} scope={decoded(p.scope)} session={session} />}
      </Route>
      <Route path="/users">
        {holds(session, "read:users") ? (
          <UsersPage />
        ) : (
          <>
            <PageTitle title="Users">Users</PageTitle>
            <p class="message note">Seeing users needs the read:users permission.</p>
          </>
        )}
      </Route>
      <Route path="/users/:user">{(p) => <UserPage user={decoded(p.user)} />}</Route>
      <Route path="/roles" component={RolesPage} />
      <Route path="/applications" component={ApplicationsPage} />
      <Route path="/api-keys" component={ApiKeysPage} />
      <Route path="/sync" component={SyncPage} />
      <Route path="/history" component={HistoryPage} />
      <Route path="/history/:revision">{(p) => <RevisionPage revision={decoded(p.revision)} />}</Route>
      <Route>
        <PageTitle title="Not found">Not found</PageTitle>
        <p>No console page is at this address.</p>
      </Route>
    </Switch>
  );
}

export function App(props: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => readSession());
  const refresh = () => setSession(readSession());
  const [reason, setReason] = useState<string | undefined>();
  // A 401 from /v1 (an expired or revoked token) clears the session (api.ts): back to signing in.
  useEffect(() => {
    const signedOut = () => {
      setSession(undefined);
      setReason("Your session ended: sign in again.");
    };
    window.addEventListener(SIGNED_OUT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT, signedOut);
  }, []);
  return (
    <Router base={BASE}>
      <Switch>
        <Route path="/callback">
          <Callback config={props.config} onSession={refresh} />
        </Route>
        <Route>
          {session ? (
            <Frame
              session={session}
              onSignOut={() => {
                clearSession();
                setSession(undefined);
              }}
            >
              <Pages session={session} />
            </Frame>
          ) : (
            <SignInPage config={props.config} {...(reason ? { reason } : {})} />
          )}
        </Route>
      </Switch>
    </Router>
  );
}
