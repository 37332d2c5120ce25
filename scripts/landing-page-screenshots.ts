// Screenshots of a real server's landing page, phone and desktop, into docs/images/
// (npm run docs:screenshots [-- --dark] [-- --full]; needs Debian's chromium and the built embedded engine).
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../gen/invites/v1/key_admin_pb.js';
import { launchChromium } from '../test/support/chromium.js';
import { stopTestEngine } from '../test/support/test-database.js';
import { startTestServer } from '../test/support/test-server.js';

const OUT = 'docs/images';
const CONFIG = [
  'hosts:',
  '  - name: example.com',
  '    publicBaseUrl: https://example.com',
  '    webRegistration: https://example.com:5281/register?t={token}',
].join('\n');
const SHOTS = [
  {
    file: 'landing-page-phone.png',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
  },
  {
    file: 'landing-page-desktop.png',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    isMobile: false,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  },
];

const colorScheme = process.argv.includes('--dark') ? 'dark' : 'light';
const fullPage = process.argv.includes('--full');
const server = await startTestServer({}, { configFile: CONFIG });
const browser = await launchChromium();
try {
  const transport = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' });
  const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
  const { fullKey } = await createClient(KeyAdmin, transport).createKey({ host: 'example.com' }, admin);
  const { invite } = await createClient(InviteService, transport).createInvite(
    { maxUses: 1 },
    { headers: { authorization: `Bearer ${fullKey}` } },
  );
  // Dark mode: the phone only (docs/landing-page.md links it).
  for (const shot of colorScheme === 'dark' ? SHOTS.slice(0, 1) : SHOTS) {
    const { file, ...device } = shot;
    const context = await browser.newContext({ ...device, javaScriptEnabled: false, colorScheme });
    const page = await context.newPage();
    await page.goto(`${server.url}/invite?${invite!.token}`);
    const path = `${OUT}/${colorScheme === 'dark' ? file.replace('.png', '-dark.png') : file}`;
    await page.screenshot({ path, fullPage });
    process.stdout.write(`wrote ${path}\n`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
  await stopTestEngine();
}
