import { client, xml, type Client, type Element } from '@xmpp/client';

/** Where a test's Prosody listens for clients. */
export interface XmppServer {
  domain: string;
  port: number;
}

/** How a sign-up ended: created (or password reset), or refused at a step with an XMPP error. */
export type SignUpResult = { ok: true } | { ok: false; step: 'preauth' | 'register'; condition: string; text: string };

/** Thrown by the credentials callback to stop at the SASL step once the sign-up is done. */
class SignUpDone extends Error {}

function xmppClient(server: XmppServer, credentials?: Parameters<typeof client>[0]['credentials']): Client {
  const c = client({ service: `xmpp://127.0.0.1:${server.port}`, domain: server.domain, resource: 'test', credentials });
  c.reconnect.stop(); // a test's client never comes back by itself
  c.on('error', () => {}); // surfaced through start() and the calls instead
  return c;
}

function stanzaError(err: unknown): { condition: string; text: string } | undefined {
  const e = err as { condition?: unknown; text?: unknown };
  if (typeof e?.condition !== 'string') return undefined;
  return { condition: e.condition, text: typeof e.text === 'string' ? e.text : '' };
}

/**
 * What a phone app does with an invite (XEP-0401 + XEP-0077): open a stream, read its features,
 * send the preauth token, register a username and password, then close. No login here: a test
 * logs in on a new stream with `logIn`.
 */
export async function signUp(
  server: XmppServer,
  account: { token?: string; username: string; password: string },
  options: { afterPreauth?: () => Promise<void>; timings?: { preauthToRegistered?: number } } = {},
): Promise<SignUpResult> {
  let result: SignUpResult | undefined;
  const c = xmppClient(server, async () => {
    const started = performance.now();
    if (account.token !== undefined) {
      try {
        await c.iqCaller.request(xml('iq', { type: 'set' }, xml('preauth', { xmlns: 'urn:xmpp:pars:0', token: account.token })));
      } catch (err) {
        const e = stanzaError(err);
        if (!e) throw err;
        result = { ok: false, step: 'preauth', ...e };
        throw new SignUpDone();
      }
    }
    await options.afterPreauth?.();
    try {
      await c.iqCaller.request(
        xml(
          'iq',
          { type: 'set' },
          xml('query', { xmlns: 'jabber:iq:register' }, xml('username', {}, account.username), xml('password', {}, account.password)),
        ),
      );
      result = { ok: true };
      if (options.timings) options.timings.preauthToRegistered = performance.now() - started;
    } catch (err) {
      const e = stanzaError(err);
      if (!e) throw err;
      result = { ok: false, step: 'register', ...e };
    }
    throw new SignUpDone();
  });
  try {
    await c.start();
  } catch (err) {
    if (!(err instanceof SignUpDone)) throw err;
  } finally {
    await c.stop().catch(() => {});
  }
  if (!result) throw new Error('the sign-up ended before registering');
  return result;
}

/** A logged-in client (SASL PLAIN on a stream of its own, resource bound). */
export interface XmppSession {
  client: Client;
  /** The roster: contact JID -> subscription (`both`, `to`, `from`, `none`). */
  roster(): Promise<Map<string, string>>;
  /** Runs an ad-hoc command (XEP-0050) on the host and returns the data form values it answered. */
  executeCommand(node: string): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/** Logs in with SASL PLAIN; rejects with the SASL error (e.g. `not-authorized`) when refused. */
export async function logIn(server: XmppServer, username: string, password: string): Promise<XmppSession> {
  const c = xmppClient(server, (authenticate) => authenticate({ username, password }, 'PLAIN'));
  try {
    await c.start();
  } catch (err) {
    await c.stop().catch(() => {});
    throw err;
  }
  return {
    client: c,
    async roster() {
      const reply = await c.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      const items = reply.getChild('query', 'jabber:iq:roster')?.getChildren('item') ?? [];
      return new Map(items.map((item: Element) => [item.attrs.jid ?? '', item.attrs.subscription ?? 'none']));
    },
    async executeCommand(node) {
      const reply = await c.iqCaller.request(
        xml(
          'iq',
          { type: 'set', to: server.domain },
          xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, action: 'execute' }),
        ),
      );
      const form = reply.getChild('command', 'http://jabber.org/protocol/commands')?.getChild('x', 'jabber:x:data');
      const values = new Map<string, string>();
      for (const field of form?.getChildren('field') ?? []) {
        values.set(field.attrs.var ?? '', field.getChildText('value') ?? '');
      }
      return values;
    },
    async stop() {
      await c.stop().catch(() => {});
    },
  };
}

/** Whether the account logs in with that password. */
export async function canLogIn(server: XmppServer, username: string, password: string): Promise<boolean> {
  try {
    const session = await logIn(server, username, password);
    await session.stop();
    return true;
  } catch (err) {
    if ((err as { condition?: string }).condition === 'not-authorized') return false;
    throw err;
  }
}
