// Sign-in with an API token (`POST /tokens` makes one). It is kept in sessionStorage: gone when the
// tab closes, never in a cookie the browser would send on its own.
import { useState } from "preact/hooks";
import { Message } from "../ui.tsx";

export function SignIn(props: { error: string | undefined; onSubmit: (token: string) => Promise<void> }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in" id="main">
      <h1>Berth</h1>
      <p>GPU reservations: see the cluster's week, book slots, follow your jobs.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!token.trim()) return;
          setBusy(true);
          await props.onSubmit(token.trim());
          setBusy(false);
        }}
      >
        <label for="token">Token</label>
        <input
          id="token"
          class="secret"
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          value={token}
          aria-describedby="token-help"
          aria-invalid={props.error ? true : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <p id="token-help" class="help">
          An API token from your admin (or <code>berth token create</code>). It stays in this tab only.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Message outcome={props.error} />
      </form>
    </main>
  );
}
