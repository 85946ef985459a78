/**
 * The API's descriptors as buf built them (sdk/gen/wheelhouse.binpb), indexed for
 * server reflection. Each file is kept as the exact bytes buf wrote, so strict
 * clients see the real dependencies, map entries and well-known types.
 */
import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import {
  type DescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { healthFileDescriptor } from './health-descriptor.js';

export interface DescriptorIndex {
  /** Serialized FileDescriptorProto by file name. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** File name by fully qualified symbol (message, enum, service, method). */
  readonly symbols: ReadonlyMap<string, string>;
  /** Direct dependencies by file name. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
  /** Every service defined in the set. */
  readonly services: readonly string[];
}

export const defaultDescriptorSetPath = new URL('../gen/wheelhouse.binpb', import.meta.url);

let cached: DescriptorIndex | undefined;

/** The index of the API's descriptor set, loaded once per process. */
export function apiDescriptors(): DescriptorIndex {
  cached ??= indexDescriptorSet(readFileSync(defaultDescriptorSetPath), [healthFileDescriptor()]);
  return cached;
}

/** Indexes a serialized FileDescriptorSet plus any extra serialized files. */
export function indexDescriptorSet(set: Uint8Array, extra: Uint8Array[] = []): DescriptorIndex {
  const files = new Map<string, Uint8Array>();
  const symbols = new Map<string, string>();
  const dependencies = new Map<string, string[]>();
  const services: string[] = [];

  const add = (raw: Uint8Array) => {
    const file = fromBinary(FileDescriptorProtoSchema, raw);
    files.set(file.name, raw);
    dependencies.set(file.name, file.dependency);
    for (const [symbol, isService] of symbolsOf(file)) {
      symbols.set(symbol, file.name);
      if (isService) services.push(symbol);
    }
  };

  // FileDescriptorSet is `repeated FileDescriptorProto file = 1`: slice out each file's bytes as they are.
  const reader = new BinaryReader(set);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) add(reader.bytes());
    else reader.skip(wireType);
  }
  for (const raw of extra) add(raw);
  return { files, symbols, dependencies, services };
}

function* symbolsOf(file: FileDescriptorProto): Generator<[string, boolean]> {
  const prefix = file.package ? `${file.package}.` : '';
  function* messages(list: DescriptorProto[], scope: string): Generator<[string, boolean]> {
    for (const m of list) {
      const name = `${scope}${m.name}`;
      yield [name, false];
      for (const e of m.enumType) yield [`${name}.${e.name}`, false];
      yield* messages(m.nestedType, `${name}.`);
    }
  }
  yield* messages(file.messageType, prefix);
  for (const e of file.enumType) yield [`${prefix}${e.name}`, false];
  for (const s of file.service) {
    yield [`${prefix}${s.name}`, true];
    for (const m of s.method) yield [`${prefix}${s.name}.${m.name}`, false];
  }
}

/** The file and everything it imports, transitively, dependencies first. */
export function withDependencies(index: DescriptorIndex, fileName: string): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of index.dependencies.get(name) ?? []) visit(dep);
    order.push(name);
  };
  visit(fileName);
  return order;
}
