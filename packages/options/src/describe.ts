const MAX_SHOWN = 64;

/**
 * How a value given for an option is shown in a message (`got ...`): short, never the whole value,
 * and never more than a prefix of a long string, since an option may hold a credential.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_SHOWN ? `a string of ${value.length} characters` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      return isPlainObject(value) ? 'an object' : `an instance of ${constructorName(value)}`;
  }
}

/** An object literal (or `Object.create(null)`): the only kind of object options blocks are made of. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'a class';
}
