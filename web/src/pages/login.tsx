import { useState } from 'preact/hooks';
import { signIn, type SessionInfo } from '../api.ts';

/**
 * Sign in with the same API token as the bearer auth. The token goes once to /console/login and
 * comes back as an HttpOnly session cookie; the page keeps nothing of it. The optional name is
 * recorded as the actor of triage actions.
 */
export function LoginPage({ onSignedIn }: { onSignedIn: (s: SessionInfo) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login" id="main">
      <h1>driftwatch console</h1>
      <form onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const name = String(form.get('actor') ?? '').trim();
        setBusy(true);
        setError('');
        signIn(String(form.get('token') ?? ''))
          .then((s) => {
            if (name) localStorage.setItem('driftwatch.actor', name);
            else localStorage.removeItem('driftwatch.actor');
            onSignedIn(s);
          })
          .catch((err: Error) => setError(err.message))
          .finally(() => setBusy(false));
      }}>
        <label>API token<input name="token" type="password" autocomplete="current-password" required autofocus /></label>
        <label>Your name or e-mail (recorded on triage actions)<input name="actor" type="text" autocomplete="email" defaultValue={localStorage.getItem('driftwatch.actor') ?? ''} /></label>
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
      <p class="muted small">Use DRIFTWATCH_READ_TOKEN to look, DRIFTWATCH_WRITE_TOKEN to triage.</p>
    </main>
  );
}
