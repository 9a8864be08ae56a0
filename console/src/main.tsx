/** The console's entry: load its settings, then render the app (or why it cannot start). */
import { render } from "preact";
import { App } from "./app.tsx";
import { loadConfig } from "./config.ts";

const root = document.getElementById("app") as HTMLElement;

loadConfig().then(
  (config) => render(<App config={config} />, root),
  (error: unknown) =>
    render(
      <main id="main">
        <h1>scopectl console</h1>
        <p class="message error" role="alert">
          The console cannot start: {error instanceof Error ? error.message : String(error)}
        </p>
        <p>
          Declare the console Application in the manifests (docs/console.md#the-console-is-an-application).
        </p>
      </main>,
      root,
    ),
);
