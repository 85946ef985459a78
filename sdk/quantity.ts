/**
 * Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1G`, `1e3`), held
 * exactly as a bigint count of nano-units: nano is the finest precision
 * Kubernetes keeps, and finer input is rounded up to it, as Kubernetes does.
 * A quantity also remembers the notation it was written in (decimal SI,
 * binary SI or decimal exponent) so that it prints back in that notation,
 * canonically: `1.5Gi` prints as `1536Mi`, `1500m` as `1500m`, `0.5` as `500m`.
 *
 *   quantity  ::= [+-] number suffix
 *   number    ::= digits | digits '.' digits | digits '.' | '.' digits
 *   suffix    ::= '' | n | u | m | k | M | G | T | P | E
 *               | Ki | Mi | Gi | Ti | Pi | Ei
 *               | (e | E) [+-] digits
 */
import { ApiError } from './errors.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const nanosPerUnit = 1_000_000_000n;

/** Powers of ten for the decimal suffixes. */
const decimalSuffixes: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));

/** Powers of 1024 for the binary suffixes. */
const binarySuffixes: readonly string[] = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Beyond this, an exponent is a typo or an attack, not a resource amount. */
const maxExponent = 100;

const grammar = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

export type QuantityParseResult =
  | { readonly ok: true; readonly quantity: Quantity }
  | { readonly ok: false; readonly reason: string };

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** Division of non-negative numbers, rounding up. */
function divideUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

export class Quantity {
  private constructor(
    /** The amount in nano-units (1 = 1n; 1000000000 = 1). */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  static readonly zero = new Quantity(0n, 'DecimalSI');

  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format);
  }

  /** `Quantity.fromMilli(250)` is `250m` (CPU). */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli) * 1_000_000n, format);
  }

  /** `Quantity.fromValue(1024 ** 3, 'BinarySI')` is `1Gi` (memory). */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * nanosPerUnit, format);
  }

  /** Parses a quantity; throws an INVALID_ARGUMENT ApiError saying what is wrong. */
  static parse(text: string): Quantity {
    const result = Quantity.tryParse(text);
    if (!result.ok) throw ApiError.invalid(`invalid quantity "${text}": ${result.reason}`);
    return result.quantity;
  }

  /** Parses a quantity without throwing; validation turns the reason into a field error. */
  static tryParse(text: string): QuantityParseResult {
    const fail = (reason: string): QuantityParseResult => ({ ok: false, reason });
    const m = grammar.exec(text);
    if (text === '' || m === null) return fail('must not be empty');
    const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
    if (whole === '' && fraction === '') {
      return fail('must start with a number, such as 1, 0.5, 100m, 128Mi or 1e3');
    }
    let decimalExponent: number;
    let binaryExponent = 0;
    let format: QuantityFormat;
    if (Object.hasOwn(decimalSuffixes, suffix)) {
      decimalExponent = decimalSuffixes[suffix] ?? 0;
      format = 'DecimalSI';
    } else if (binarySuffixes.includes(suffix)) {
      decimalExponent = 0;
      binaryExponent = binarySuffixes.indexOf(suffix);
      format = 'BinarySI';
    } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
      decimalExponent = Number(suffix.slice(1));
      if (Math.abs(decimalExponent) > maxExponent) {
        return fail(`exponent ${suffix.slice(1)} is out of range (at most ${maxExponent} either way)`);
      }
      format = 'DecimalExponent';
    } else {
      return fail(
        `unknown suffix "${suffix}": use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3`,
      );
    }
    // value = digits × 10^(exponent − |fraction|) × 1024^binaryExponent; in nanos: × 10^9.
    const digits = BigInt(`${whole}${fraction}` || '0');
    const scale = decimalExponent - fraction.length + 9;
    let numerator = digits * 1024n ** BigInt(binaryExponent);
    let denominator = 1n;
    if (scale >= 0) numerator *= pow10(scale);
    else denominator = pow10(-scale);
    // Finer than a nano rounds away from zero, as Kubernetes rounds.
    const magnitude = divideUp(numerator, denominator);
    return { ok: true, quantity: new Quantity(sign === '-' ? -magnitude : magnitude, format) };
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** -1, 0 or 1 as this quantity is less than, equal to or greater than the other. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** The sum, in this quantity's notation (or the other's, when this one is zero, as Kubernetes does). */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  /** The amount in thousandths, rounded away from zero: CPU in millicores. */
  milliValue(): bigint {
    return this.scaled(1_000_000n);
  }

  /** The amount in whole units, rounded away from zero: memory in bytes. */
  value(): bigint {
    return this.scaled(nanosPerUnit);
  }

  private scaled(nanosPerStep: bigint): bigint {
    const magnitude = divideUp(abs(this.nanos), nanosPerStep);
    return this.nanos < 0n ? -magnitude : magnitude;
  }

  /** The canonical form: the shortest exact integer with the largest suffix of the quantity's notation. */
  toString(): string {
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    const magnitude = abs(this.nanos);
    // Binary notation only for whole amounts of at least 1Ki; anything else prints in decimal.
    if (this.format === 'BinarySI' && magnitude >= 1024n * nanosPerUnit && magnitude % nanosPerUnit === 0n) {
      let amount = magnitude / nanosPerUnit;
      let power = 0;
      while (power < binarySuffixes.length - 1 && amount % 1024n === 0n) {
        amount /= 1024n;
        power++;
      }
      return `${sign}${amount}${binarySuffixes[power]}`;
    }
    let mantissa = magnitude;
    let exponent = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent++;
    }
    // Suffixes come in steps of a thousand: lower the exponent to a multiple of three.
    const excess = ((exponent % 3) + 3) % 3;
    mantissa *= pow10(excess);
    exponent -= excess;
    const suffix =
      this.format === 'DecimalExponent'
        ? exponent === 0
          ? ''
          : `e${exponent}`
        : (decimalSuffixByExponent.get(exponent) ?? `e${exponent}`);
    return `${sign}${mantissa}${suffix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Parses a quantity; throws an INVALID_ARGUMENT ApiError. */
export function parseQuantity(text: string): Quantity {
  return Quantity.parse(text);
}
