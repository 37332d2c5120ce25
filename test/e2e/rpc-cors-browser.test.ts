import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import type { Browser, Page } from 'playwright-core';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface FetchResult {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}

describe('the RPCs from a web page on another origin (headless Chromium)', function () {
  let server: TestServer;
  let site: http.Server;
  let browser: Browser;
  let page: Page;
  let fullKey: string;

  before(async () => {
    server = await startTestServer();
    fullKey = (
      await createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })).createKey(
        { host: 'example.com' },
        { headers: { authorization: `Bearer ${server.adminToken}` } },
      )
    ).fullKey;
    await createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })).createInvite(
      { note: 'for the dashboard' },
      { headers: { authorization: `Bearer ${fullKey}` } },
    );
    // The dashboard: a page on a port of its own, so a different origin from the server's.
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>dashboard</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await server?.stop();
  });

  /** A fetch made by the page's own script, under the browser's CORS rules. */
  const pageFetch = (url: string, init: { headers: Record<string, string>; body: string | number[] }) =>
    page.evaluate(
      async ({ url, init }): Promise<FetchResult> => {
        try {
          const body = typeof init.body === 'string' ? init.body : new Uint8Array(init.body);
          const res = await fetch(url, { method: 'POST', headers: init.headers, body });
          return { ok: true, status: res.status, body: await res.text() };
        } catch (err) {
          return { ok: false, error: String(err) };
        }
      },
      { url, init },
    );

  it('lists invites over Connect with a key (a preflighted request) and reads the answer', async () => {
    const res = await pageFetch(`${server.url}/invites.v1.InviteService/ListInvites`, {
      headers: { 'content-type': 'application/json', 'connect-protocol-version': '1', authorization: `Bearer ${fullKey}` },
      body: '{}',
    });
    assert.ok(res.ok, `the browser let the page call the RPC: ${res.error}`);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body!).invites[0].note, 'for the dashboard');
  });

  it('lets the page read an error: Connect without a key, and gRPC-Web', async () => {
    const connect = await pageFetch(`${server.url}/invites.v1.InviteService/CreateInvite`, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.ok(connect.ok, connect.error);
    assert.equal(connect.status, 401);
    assert.equal(JSON.parse(connect.body!).code, 'unauthenticated');
    // gRPC-Web: one frame of an empty CreateInviteRequest; the refusal comes in the trailer frame of the body.
    const grpcWeb = await pageFetch(`${server.url}/invites.v1.InviteService/CreateInvite`, {
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', 'x-user-agent': 'grpc-web-javascript/0.1' },
      body: [0, 0, 0, 0, 0],
    });
    assert.ok(grpcWeb.ok, grpcWeb.error);
    assert.equal(grpcWeb.status, 200);
    assert.match(grpcWeb.body!, /grpc-status: 16\r\n/, 'UNAUTHENTICATED in the trailer frame, readable by the page');
    assert.match(grpcWeb.body!, /grpc-message: an%20API%20key%20is%20required/);
  });
});
