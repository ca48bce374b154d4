import { describe, expect, it } from 'vitest';
import { glogSetter } from '../src/internal.ts';
import { createLogger, getVerbosityControl } from '../src/index.ts';

function control(initial = 2) {
  return getVerbosityControl(createLogger({ verbosity: initial, output: { write: () => true } }));
}

describe('glogSetter', () => {
  // The texts component-base's GlogSetter returns (kube-apiserver answers them with a 400).
  it.each([
    ['', 'strconv.ParseUint: parsing "": invalid syntax'],
    ['abc', 'strconv.ParseUint: parsing "abc": invalid syntax'],
    ['-1', 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ['+5', 'strconv.ParseUint: parsing "+5": invalid syntax'],
    ['8\n', 'strconv.ParseUint: parsing "8\\n": invalid syntax'],
    [' 8', 'strconv.ParseUint: parsing " 8": invalid syntax'],
    ['1_000', 'strconv.ParseUint: parsing "1_000": invalid syntax'],
    ['4294967296', 'strconv.ParseUint: parsing "4294967296": value out of range'],
    ['99999999999x', 'strconv.ParseUint: parsing "99999999999x": value out of range'],
    [
      '2147483648',
      'failed set klog.logging.verbosity 2147483648: strconv.ParseInt: parsing "2147483648": value out of range',
    ],
    [
      '4294967295',
      'failed set klog.logging.verbosity 4294967295: strconv.ParseInt: parsing "4294967295": value out of range',
    ],
  ])('rejects %j with the strconv text and keeps the verbosity', (body, message) => {
    const c = control();
    expect(glogSetter(c, body)).toEqual({ ok: false, message });
    expect(c.verbosity).toBe(2);
  });

  it.each([
    ['0', 0],
    ['5', 5],
    ['05', 5],
    ['2147483647', 2147483647],
  ])('accepts %j, echoes it raw and sets the verbosity', (body, v) => {
    const c = control();
    expect(glogSetter(c, body)).toEqual({
      ok: true,
      message: `successfully set klog.logging.verbosity to ${body}`,
    });
    expect(c.verbosity).toBe(v);
  });

  it('quotes invalid UTF-8 of a raw body with \\x like Go', () => {
    expect(glogSetter(control(), Buffer.from([0x34, 0xff]))).toEqual({
      ok: false,
      message: 'strconv.ParseUint: parsing "4\\xff": invalid syntax',
    });
  });

  it('accepts a Buffer body', () => {
    const c = control();
    expect(glogSetter(c, Buffer.from('7'))).toEqual({
      ok: true,
      message: 'successfully set klog.logging.verbosity to 7',
    });
    expect(c.verbosity).toBe(7);
  });
});
