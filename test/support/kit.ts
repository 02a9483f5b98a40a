import {
  type AuthMethod,
  definePolarConfig,
  type PolarAuthOptions,
  type PolarConfig,
  type PolarConfigInput,
  type SubType,
} from "@polar-oauth/core";
import { type BrowserSession, completeAuthorization, type Emulator } from "@polar-oauth/emulator";
import { type Framework, type KitApp, startApp } from "./apps.js";
import { TestBrowser } from "./browser.js";

/** A session secret for tests (32+ characters, recognisable in leak scans). */
export const TEST_SESSION_SECRET = "test-session-secret-0123456789-abcdefghij";

/** What a test needs to drive one app against the emulator. */
export interface Kit extends KitApp {
  /** What the kit logged (a collecting logger unless the test passed its own). */
  logs: string[];
  config: PolarConfig;
  clientId: string;
  clientSecret: string | undefined;
  registrationToken: string;
  emulator: Emulator;
}

/** Options for {@link startKit}. */
export interface KitOptions {
  framework: Framework;
  emulator: Emulator;
  authMethod?: AuthMethod;
  subType?: SubType;
  scopes?: string;
  config?: Partial<PolarConfigInput>;
  options?: PolarAuthOptions;
}

/**
 * Starts an app with the kit, registering a fresh client at the emulator for its redirect URI
 * (`<origin>/auth/callback`). The startup check is off unless `config.startupCheck` says otherwise.
 */
export async function startKit(options: KitOptions): Promise<Kit> {
  const authMethod = options.authMethod ?? "client_secret_post";
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  let registered!: Awaited<ReturnType<Emulator["registerClient"]>>;
  let config!: PolarConfig;
  const app = await startApp(
    options.framework,
    async (origin) => {
      registered = await options.emulator.registerClient({
        client_name: `Test app (${options.framework})`,
        redirect_uris: [`${origin}/auth/callback`],
        token_endpoint_auth_method: authMethod,
      });
      config = definePolarConfig({
        environment: "development",
        server: options.emulator.url,
        clientId: registered.client_id,
        clientSecret: registered.client_secret ?? undefined,
        authMethod,
        redirectUri: `${origin}/auth/callback`,
        registrationAccessToken: registered.registration_access_token,
        scopes: options.scopes ?? "openid profile email",
        subType: options.subType ?? "user",
        session: { secrets: TEST_SESSION_SECRET },
        startupCheck: "off",
        ...options.config,
      });
      return config;
    },
    { logger, ...options.options },
  );
  return {
    ...app,
    logs,
    config,
    clientId: registered.client_id,
    clientSecret: registered.client_secret ?? undefined,
    registrationToken: registered.registration_access_token,
    emulator: options.emulator,
  };
}

/** The outcome of {@link signIn}: every hop, for assertions. */
export interface SignInResult {
  /** The app's answer to `/auth/login`. */
  login: Response;
  /** Where Polar sent the browser back (the callback URL with code/state or error). */
  callbackUrl: URL;
  /** The app's answer to the callback. */
  callback: Response;
}

/**
 * Signs in through the real flow: the app's `/auth/login`, the emulator's login and consent
 * pages (over HTTP), then the app's callback, all with `browser`'s cookies.
 */
export async function signIn(
  browser: TestBrowser,
  kit: Pick<Kit, "url">,
  choice: {
    user?: string;
    decision?: "allow" | "deny";
    organizationId?: string;
    returnTo?: string;
    /** The emulator-side cookies (the Polar session); default: a fresh jar per sign-in. */
    polarSession?: BrowserSession;
  } = {},
): Promise<SignInResult> {
  const loginUrl = new URL("/auth/login", kit.url);
  if (choice.returnTo !== undefined) loginUrl.searchParams.set("returnTo", choice.returnTo);
  const login = await browser.get(loginUrl);
  const location = login.headers.get("location");
  if (login.status !== 302 || !location) {
    throw new Error(`login answered ${login.status} ${await login.text()}`);
  }
  const { redirectTo } = await completeAuthorization(location, {
    ...choice,
    session: choice.polarSession,
  });
  const callback = await browser.get(redirectTo);
  return { login, callbackUrl: redirectTo, callback };
}

export { TestBrowser };
