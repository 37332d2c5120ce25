/**
 * Delivers the webhook outbox in the background, in each server instance. Each attempt is
 * claimed by inserting `DELIVERY#N` first, so of several instances exactly one makes attempt N;
 * the deliveries of one subject (an invite, a key) to one endpoint go out in order: the next
 * waits until the one before is delivered or given up. See docs/webhooks.md.
 */
import { isLastingChange, type DeliveryRecord, type WebhookEndpointRecord } from '../domain/webhook.js';
import type { InviteStore } from '../store/store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { AuditLog } from './audit-log.js';
import { attemptDelivery, type AttemptResult } from './webhook-delivery.js';
import { inviteExpired, inviteUsedUp, type ChangeEvents } from './webhook-events.js';
import type { IntentOutcome } from './webhook-intents.js';
import type { SecretBox } from './webhook-secret.js';

export interface WebhookDispatchSettings {
  pollMs: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Retried for this long after the first attempt, then failed. */
  giveUpAfterMs: number;
  allowPrivateAddresses: boolean;
}

export interface WebhookDispatcherDeps {
  store: WebhookStore;
  invites: Pick<InviteStore, 'list' | 'usage'>;
  events: ChangeEvents;
  resolveIntent: (d: DeliveryRecord) => Promise<IntentOutcome>;
  secrets: SecretBox;
  audit: AuditLog;
  instanceId: string;
  now: () => Date;
  settings: WebhookDispatchSettings;
  userAgent: string;
  onDelivered?: (d: DeliveryRecord) => void;
  onFailed?: (d: DeliveryRecord) => void;
  /** After each pass: unfinished deliveries seen, and the age of the oldest in seconds (0: none). */
  onBacklog?: (count: number, oldestAgeSeconds: number) => void;
  onError: (err: unknown) => void;
}

export interface WebhookDispatcher {
  /** Starts a pass soon (a change's events were just confirmed). */
  wake(): void;
  /** One pass now (tests). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Unfinished deliveries looked at per pass (the oldest first). */
const MAX_UNFINISHED_PER_PASS = 2000;
/** Attempts in flight at once per instance. */
const MAX_IN_FLIGHT = 16;
/** An intent unconfirmed for this long is resolved against the database (its server stopped). */
export const INTENT_GRACE_MS = 60_000;
/** Finished deliveries are kept this long for `hooks:deliveries`. */
const FINISHED_RETENTION_MS = 7 * 86400_000;
const PRUNE_EVERY_MS = 3600_000;
/** Invites are looked at for expiry every this many passes (30 s by default). */
const EXPIRY_SCAN_EVERY_PASSES = 30;
/** Without any endpoint the outbox is only looked at every this many passes (leftovers of deleted ones). */
const IDLE_PASSES = 60;
const EXPIRY_PAGE = 500;

/** The wait before attempt `n + 1`: doubling from the base, capped, with ±20% jitter so retries spread out. */
export function retryDelayMs(
  attempts: number,
  settings: Pick<WebhookDispatchSettings, 'retryBaseMs' | 'retryMaxDelayMs'>,
  random = Math.random,
) {
  const exact = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exact * (0.8 + 0.4 * random()));
}

async function inParallel(work: Array<() => Promise<void>>, limit: number, onError: (err: unknown) => void) {
  let next = 0;
  const worker = async () => {
    while (next < work.length) await work[next++]!().catch(onError);
  };
  await Promise.all(Array.from({ length: Math.min(limit, work.length) }, worker));
}

export function startWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const { store, settings } = deps;
  let stopped = false;
  // Stopping cuts attempts short (they are retried) rather than holding up the shutdown for a timeout.
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let passes = 0;
  let lastPrune = 0;

  /** `quietly`: a deletion's leftovers are not counted or audited one by one (the deletion is audited). */
  const finish = async (
    d: DeliveryRecord,
    state: 'delivered' | 'failed',
    attempts: number,
    result: Partial<AttemptResult>,
    quietly = false,
  ) => {
    await store.finishDelivery({
      ...d,
      state,
      attempts,
      lastStatus: result.status ?? 0,
      lastError: result.error ?? '',
      finishedAt: deps.now(),
    });
    // The next delivery of its subject may go at once.
    again = true;
    if (state === 'delivered') deps.onDelivered?.(d);
    else if (!quietly) {
      deps.onFailed?.({ ...d, lastError: result.error ?? '' });
      await deps.audit.record({ action: 'webhook_delivery_failed', actor: 'server', host: d.host, webhookId: d.endpointId });
    }
  };

  /** Used up is derived from the redemptions when a redemption's event first goes out (it has no intent of its own). */
  const deriveUsedUp = async (d: DeliveryRecord) => {
    const token = String(d.data.token);
    const maxUses = Number(d.data.maxUses);
    const usage = (await deps.invites.usage([{ token, maxUses }])).get(token);
    const redemptions = usage?.redemptions ?? [];
    if (redemptions.length < maxUses) return;
    const at = new Date(Math.max(...redemptions.map((r) => r.redeemedAt.getTime())));
    const keyId = d.data.keyId === undefined ? undefined : String(d.data.keyId);
    await deps.events.record(inviteUsedUp({ token, host: d.host, maxUses, keyId }, at));
  };

  const attempt = async (d: DeliveryRecord, endpoint: WebhookEndpointRecord) => {
    if (stopped) return;
    const now = deps.now();
    const n = d.attempts + 1;
    const claimId = `${d.id}#${n}`;
    const leaseUntil = new Date(now.getTime() + settings.timeoutMs * 2 + 5000);
    if (!(await store.claimAttempt({ id: claimId, instanceId: deps.instanceId, at: now, leaseUntil }))) {
      const claim = await store.findAttempt(claimId);
      // Its instance stopped during the attempt: count it, and let the next one be claimed.
      if (claim && claim.leaseUntil < now) {
        await store.updateDelivery(d.id, { attempts: n, nextAttemptAt: now, lastError: 'the attempt was cut short (its server stopped)' });
      }
      return;
    }
    if (d.type === 'invite.redeemed' && n === 1) await deriveUsedUp(d);
    if (d.silent) {
      await store.finishDelivery({ ...d, state: 'void', attempts: n, finishedAt: deps.now() });
      again = true;
      return;
    }
    let secret: string;
    try {
      secret = deps.secrets.open(endpoint.encryptedSecret);
    } catch {
      secret = '';
    }
    const result: AttemptResult = secret
      ? await attemptDelivery(d, { url: endpoint.url, secret }, { ...settings, userAgent: deps.userAgent, stopping: stopping.signal })
      : {
          ok: false,
          status: 0,
          error: 'the signing secret cannot be decrypted: the admin token changed since the endpoint was registered; re-create it',
        };
    if (result.ok) return finish(d, 'delivered', n, result);
    const firstAttemptAt = d.firstAttemptAt ?? now;
    if (deps.now().getTime() - firstAttemptAt.getTime() >= settings.giveUpAfterMs) return finish(d, 'failed', n, result);
    await store.updateDelivery(d.id, {
      state: 'pending',
      attempts: n,
      firstAttemptAt,
      lastStatus: result.status,
      lastError: result.error,
      nextAttemptAt: new Date(deps.now().getTime() + retryDelayMs(n, settings)),
    });
  };

  /** An intent: pending once its change is seen; void when it is still not there after the grace period. */
  const resolve = async (d: DeliveryRecord, endpoint: WebhookEndpointRecord | undefined) => {
    const outcome = await deps.resolveIntent(d);
    const late = deps.now().getTime() - d.recordedAt.getTime() >= INTENT_GRACE_MS;
    if (outcome === 'not_made' && !late) return;
    // Due at once: the attempt's own write records the state (one write fewer per delivery).
    if (outcome === 'made' && endpoint && d.nextAttemptAt <= deps.now()) return attempt(d, endpoint);
    await store.moveState([d.id], 'intent', outcome === 'made' ? 'pending' : 'void');
    if (outcome === 'made') again = true;
  };

  /** `invite.expired` for invites that expired unused since the last scan (each instance may scan: ids are deterministic). */
  const scanExpiries = async () => {
    const now = deps.now();
    const hosts = new Map<string, Date>();
    for (const e of await store.listEndpoints()) {
      if (e.events.length > 0 && !e.events.includes('invite.expired')) continue;
      const earliest = hosts.get(e.host);
      if (!earliest || e.createdAt < earliest) hosts.set(e.host, e.createdAt);
    }
    for (const [host, firstEndpointAt] of hosts) {
      const from = (await store.expiryScannedUntil(host)) ?? firstEndpointAt;
      let cursor: { createdAt: Date; token: string } | undefined;
      for (;;) {
        const page = await deps.invites.list({ host, expiresAfter: from, expiresAtOrBefore: now }, cursor, EXPIRY_PAGE);
        const usage = await deps.invites.usage(page);
        for (const invite of page) {
          const u = usage.get(invite.token);
          if (u?.revokedAt || (u?.redemptions.length ?? 0) >= invite.maxUses) continue;
          await deps.events.record(inviteExpired(invite));
        }
        if (page.length < EXPIRY_PAGE) break;
        const last = page[page.length - 1]!;
        cursor = { createdAt: last.createdAt, token: last.token };
      }
      await store.setExpiryScannedUntil(host, now);
    }
  };

  const pass = async () => {
    passes++;
    if (passes % EXPIRY_SCAN_EVERY_PASSES === 1) await scanExpiries().catch(deps.onError);
    const now = deps.now();
    if (now.getTime() - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now.getTime();
      await store.prune(new Date(now.getTime() - FINISHED_RETENTION_MS)).catch(deps.onError);
    }
    const endpoints = new Map((await store.listEndpoints()).map((e) => [e.id, e]));
    // A server without webhooks reads one small collection per pass, not the outbox.
    if (endpoints.size === 0 && passes % IDLE_PASSES !== 1) return;
    const unfinished = await store.listUnfinished(MAX_UNFINISHED_PER_PASS);
    const oldest = unfinished.reduce((min, d) => Math.min(min, d.recordedAt.getTime()), now.getTime());
    deps.onBacklog?.(unfinished.length, (now.getTime() - oldest) / 1000);
    const seen = new Set<string>();
    const work: Array<() => Promise<void>> = [];
    for (const d of unfinished) {
      // Only the first unfinished delivery of a subject to an endpoint may go: order per invite.
      const queue = `${d.endpointId}|${d.subject}`;
      if (seen.has(queue)) continue;
      seen.add(queue);
      const endpoint = endpoints.get(d.endpointId);
      if (d.state === 'intent') {
        if (isLastingChange(d.type) || now.getTime() - d.recordedAt.getTime() >= INTENT_GRACE_MS) work.push(() => resolve(d, endpoint));
      } else if (!endpoint) {
        work.push(() => finish(d, 'failed', d.attempts, { error: 'the endpoint was deleted' }, true));
      } else if (d.nextAttemptAt <= now) {
        work.push(() => attempt(d, endpoint));
      }
    }
    await inParallel(work, MAX_IN_FLIGHT, deps.onError);
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = pass()
      .catch(deps.onError)
      .finally(() => {
        running = undefined;
        schedule(again ? 0 : settings.pollMs);
      });
  };
  schedule(0);
  return {
    wake: () => run(),
    async runOnce() {
      while (running) await running;
      await pass();
    },
    async stop() {
      stopped = true;
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
