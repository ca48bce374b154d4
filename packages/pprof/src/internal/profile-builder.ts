import {
  Function as PprofFunction,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
  Line,
} from 'pprof-format';

/** One stack frame as the converters see it: already source-mapped, 1-based lines, 0 when unknown. */
export interface Frame {
  readonly name: string;
  readonly file: string;
  /** Line where the function starts (pprof `Function.start_line`). */
  readonly startLine: number;
  /** Line this frame was executing (pprof `Line.line`). */
  readonly line: number;
}

export interface ValueTypeSpec {
  readonly type: string;
  readonly unit: string;
}

/**
 * Deduplicates strings, functions and locations while samples are added, so a profile with thousands of
 * samples over a few hundred frames stays a few KB (pprof stores every string and frame once).
 */
export class ProfileBuilder {
  readonly #strings = new StringTable();
  readonly #functions: PprofFunction[] = [];
  readonly #locations: Location[] = [];
  readonly #samples: Sample[] = [];
  readonly #functionIds = new Map<string, number>();
  readonly #locationIds = new Map<string, number>();

  string(s: string): number {
    return this.#strings.dedup(s);
  }

  functionId(name: string, file: string, startLine: number): number {
    const key = `${name}\0${file}\0${startLine}`;
    let id = this.#functionIds.get(key);
    if (id === undefined) {
      id = this.#functions.length + 1;
      const n = this.string(name);
      this.#functions.push(
        new PprofFunction({ id, name: n, systemName: n, filename: this.string(file), startLine }),
      );
      this.#functionIds.set(key, id);
    }
    return id;
  }

  locationId(frame: Frame): number {
    const key = `${frame.name}\0${frame.file}\0${frame.startLine}\0${frame.line}`;
    let id = this.#locationIds.get(key);
    if (id === undefined) {
      id = this.#locations.length + 1;
      const functionId = this.functionId(frame.name, frame.file, frame.startLine);
      this.#locations.push(new Location({ id, line: [new Line({ functionId, line: frame.line })] }));
      this.#locationIds.set(key, id);
    }
    return id;
  }

  /** `locationIds` is leaf first, as pprof wants. */
  addSample(locationIds: readonly number[], values: readonly number[]): void {
    this.#samples.push(new Sample({ locationId: [...locationIds], value: [...values] }));
  }

  get sampleCount(): number {
    return this.#samples.length;
  }

  build(meta: {
    sampleTypes: readonly ValueTypeSpec[];
    periodType: ValueTypeSpec;
    period: number;
    timeNanos: bigint;
    durationNanos: bigint;
    comments?: readonly string[];
  }): Profile {
    const valueType = (v: ValueTypeSpec): ValueType =>
      new ValueType({ type: this.string(v.type), unit: this.string(v.unit) });
    return new Profile({
      sampleType: meta.sampleTypes.map(valueType),
      sample: this.#samples,
      location: this.#locations,
      function: this.#functions,
      stringTable: this.#strings,
      periodType: valueType(meta.periodType),
      period: meta.period,
      timeNanos: meta.timeNanos,
      durationNanos: meta.durationNanos,
      comment: (meta.comments ?? []).map((c) => this.string(c)),
    });
  }
}
