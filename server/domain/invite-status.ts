import { DomainError } from './errors.js';

export type InviteStatus = 'valid' | 'expired' | 'used_up' | 'revoked';

/**
 * An invite's status is derived, never stored: from its expiry, how many of its uses are
 * claimed and whether it was revoked. Revoked wins over used up, which wins over expired:
 * each says more about what happened than the one after it.
 */
export function inviteStatus(
  invite: { expiresAt: Date; maxUses: number },
  usage: { uses: number; revoked: boolean },
  now: Date,
): InviteStatus {
  if (usage.revoked) return 'revoked';
  if (usage.uses >= invite.maxUses) return 'used_up';
  if (invite.expiresAt <= now) return 'expired';
  return 'valid';
}

/** What a person holding an unusable invite is told, on the landing page and by RedeemInvite. */
export const UNAVAILABLE_MESSAGES: Record<Exclude<InviteStatus, 'valid'>, { title: string; explanation: string }> = {
  expired: {
    title: 'This invite has expired',
    explanation: 'Invites are valid for a limited time. Ask the person who sent it for a new one.',
  },
  used_up: {
    title: 'This invite has already been used',
    explanation: 'It cannot register any more accounts. Ask the person who sent it for a new one.',
  },
  revoked: {
    title: 'This invite was withdrawn',
    explanation: 'Whoever created it has revoked it. Ask the person who sent it for a new one.',
  },
};

/** FailedPrecondition for redeeming an invite that cannot be redeemed; the message starts with a stable reason. */
export function inviteUnavailable(status: Exclude<InviteStatus, 'valid'>): DomainError {
  const reason = { expired: 'invite expired', used_up: 'invite used up', revoked: 'invite revoked' }[status];
  const m = UNAVAILABLE_MESSAGES[status];
  return new DomainError('failed_precondition', `${reason}: ${m.title.toLowerCase()}. ${m.explanation}`);
}
