import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { clientAddressOf, rateLimitAddress } from '../../server/transport/client-address.js';

const req = (peer: string, xff?: string) =>
  ({
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  }) as unknown as IncomingMessage;

describe('client addresses', () => {
  it('count IPv4 as it is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    assert.equal(rateLimitAddress('203.0.113.7'), '203.0.113.7');
    assert.equal(rateLimitAddress('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(rateLimitAddress('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(rateLimitAddress('2001:db8:1:2::99'), '2001:db8:1:2::/64');
    assert.equal(rateLimitAddress('::1'), '0:0:0:0::/64');
  });

  it('ignore X-Forwarded-For unless the peer is a trusted proxy', () => {
    assert.equal(clientAddressOf([])(req('198.51.100.1', '203.0.113.7')), '198.51.100.1');
    const viaProxy = clientAddressOf(['10.0.0.0/8']);
    assert.equal(viaProxy(req('198.51.100.1', '203.0.113.7')), '198.51.100.1', 'an untrusted peer cannot claim another address');
    assert.equal(viaProxy(req('10.0.0.5', '203.0.113.7')), '203.0.113.7');
    assert.equal(
      viaProxy(req('10.0.0.5', '1.1.1.1, 203.0.113.7, 10.0.0.9')),
      '203.0.113.7',
      'the right-most untrusted hop, not what the client wrote first',
    );
    assert.equal(viaProxy(req('10.0.0.5')), '10.0.0.5');
    assert.equal(viaProxy(req('10.0.0.5', 'not-an-address')), '10.0.0.5', 'garbage is not believed');
  });
});
