import { describe, expect, it } from 'vitest';
import { privateProbeMessage, privateProbeReason } from '../../core/map/probe-url';

describe('privateProbeReason', () => {
  it.each([
    ['http://10.0.3.17/health', '10.0.3.17 is a private (RFC 1918) address'],
    ['https://172.16.0.1/health', '172.16.0.1 is a private (RFC 1918) address'],
    ['https://172.31.255.254:8443/health', '172.31.255.254 is a private (RFC 1918) address'],
    ['http://192.168.1.20/health', '192.168.1.20 is a private (RFC 1918) address'],
    ['http://127.0.0.1:8080/health', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/health', '127.0.0.1 is a loopback address'],
    ['http://2130706433/health', '127.0.0.1 is a loopback address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
    ['http://100.64.0.9/health', '100.64.0.9 is a carrier-grade NAT (RFC 6598) address'],
    ['http://0.0.0.0/health', '0.0.0.0 is a "this network" (RFC 1122) address'],
    ['http://[::1]/health', '[::1] is the loopback address'],
    ['http://[fd12:3456::1]/health', '[fd12:3456::1] is a unique local (private) IPv6 address'],
    ['http://[fe80::1]/health', '[fe80::1] is a link-local IPv6 address'],
    ['http://[::ffff:10.0.0.1]/health', '[::ffff:a00:1] maps 10.0.0.1 is a private (RFC 1918) address'],
    ['http://localhost:3000/health', 'localhost is a name that resolves only inside a private network (.localhost)'],
    ['http://web.localhost/health', 'web.localhost is a name that resolves only inside a private network (.localhost)'],
    [
      'http://web.service.local/health',
      'web.service.local is a name that resolves only inside a private network (.local)',
    ],
    [
      'http://ip-10-0-0-5.ec2.internal/health',
      'ip-10-0-0-5.ec2.internal is a name that resolves only inside a private network (.internal)',
    ],
    [
      'http://WEB.Corp.Internal./health',
      'web.corp.internal is a name that resolves only inside a private network (.internal)',
    ],
    ['http://nas.home.arpa/health', 'nas.home.arpa is a name that resolves only inside a private network (.home.arpa)'],
    [
      'http://internal-web-1234567890.eu-west-1.elb.amazonaws.com/health',
      'internal-web-1234567890.eu-west-1.elb.amazonaws.com is an internal load balancer, which has private addresses only',
    ],
    [
      'http://internal-web-1234.cn-north-1.elb.amazonaws.com.cn/health',
      'internal-web-1234.cn-north-1.elb.amazonaws.com.cn is an internal load balancer, which has private addresses only',
    ],
  ])('refuses %s: %s', (url, reason) => {
    expect(privateProbeReason(url)).toBe(reason);
  });

  it.each([
    'https://web.example.com/health',
    'https://web-1234567890.eu-west-1.elb.amazonaws.com/health',
    'https://internal.example.com/health',
    'https://web.internal-tools.example.com/health',
    'http://172.32.0.1/health',
    'http://100.128.0.1/health',
    'http://8.8.8.8/health',
    'http://[2001:db8::1]/health',
    'http://[::ffff:8.8.8.8]/health',
  ])('accepts the public %s', (url) => {
    expect(privateProbeReason(url)).toBeUndefined();
  });
});

describe('privateProbeMessage', () => {
  it('says why the probe cannot work and what to probe instead', () => {
    const message = privateProbeMessage('10.0.3.17 is a private (RFC 1918) address');

    expect(message).toContain('10.0.3.17 is a private (RFC 1918) address');
    expect(message).toContain('outside any VPC');
    expect(message).toContain('every bake would fail and roll back');
    expect(message).toContain('Probe a public health endpoint');
  });
});
