// The part of @xmpp/client (which ships no type declarations) the Prosody tests use.
declare module '@xmpp/client' {
  export interface Element {
    name: string;
    attrs: Record<string, string | undefined>;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getChildElements(): Element[];
    text(): string;
    is(name: string, xmlns?: string): boolean;
    toString(): string;
  }
  export type Child = Element | string;
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: Child[]): Element;
  export interface IqCaller {
    request(stanza: Element, timeout?: number): Promise<Element>;
  }
  export interface Client {
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(stanza: Element): Promise<void>;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'stanza', listener: (stanza: Element) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    iqCaller: IqCaller;
    reconnect: { stop(): void };
    status: string;
  }
  export interface SaslCredentials {
    username: string;
    password: string;
  }
  export interface ClientOptions {
    service: string;
    domain: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: (authenticate: (credentials: SaslCredentials, mechanism: string) => Promise<void>, mechanisms: string[]) => Promise<void>;
  }
  export function client(options: ClientOptions): Client;
}
