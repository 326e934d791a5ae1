import { describe, expect, it } from 'vitest';
import { parseServiceConfig, serviceCommands, unitText } from './sysjail-service.js';

describe('sysjail.conf and the commands the unit runs', () => {
  it('jail_enable and jail_list: jail -c for the listed jails, jail -r * at shutdown', () => {
    const c = parseServiceConfig('# boot\njail_enable="YES"\njail_list="db web"  # order\n');
    expect(serviceCommands(c)).toEqual({ start: ['-c', 'db', 'web'], stop: ['-r', '*'] });
  });

  it('an empty jail_list starts every jail of jail_conf; jail_flags go first', () => {
    const c = parseServiceConfig('jail_enable=yes\njail_conf=\'/etc/jails.conf\'\njail_flags="-v"\n');
    expect(serviceCommands(c)).toEqual({
      start: ['-v', '-f', '/etc/jails.conf', '-c'],
      stop: ['-v', '-f', '/etc/jails.conf', '-r', '*'],
    });
  });

  it('jail_enable="NO" starts nothing', () => {
    expect(serviceCommands(parseServiceConfig('jail_enable="NO"\n')).start).toBeUndefined();
  });

  it('refuses unknown settings and bad lines', () => {
    expect(() => parseServiceConfig('jail_enabled="YES"\n', 'f')).toThrow('f: unknown setting jail_enabled');
    expect(() => parseServiceConfig('jail_list = "a"\n', 'f')).toThrow('f:1: expected name="value"');
  });

  it('the unit runs this node and this package, at boot and at shutdown', () => {
    const unit = unitText();
    expect(unit).toMatch(
      new RegExp(`^ExecStart=${process.execPath} /\\S+/bin/sysjail-service\\.js start$`, 'm'),
    );
    expect(unit).toMatch(/^ExecStop=\S+ \S+sysjail-service\.js stop$/m);
    expect(unit).toContain('WantedBy=multi-user.target');
  });
});
