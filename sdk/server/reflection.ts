/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, which share one wire
 * format), answered from the buf-built descriptor set so that grpcurl and other
 * strict clients can list services, describe messages and build requests with no
 * .proto files at hand. The few reflection messages are encoded by hand: the
 * protocol is small and stable, and this keeps its .proto out of our API module.
 */

import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { ServerDuplexStream, ServiceDefinition } from '@grpc/grpc-js';
import { type DescriptorIndex, withDependencies } from './descriptors.js';

export interface ReflectionRequest {
  raw: Uint8Array;
  host: string;
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType: string; extensionNumber: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
}

export type ReflectionResponse =
  | { kind: 'files'; files: Uint8Array[] }
  | { kind: 'services'; names: string[] }
  | { kind: 'extensions'; baseTypeName: string; numbers: number[] }
  | { kind: 'error'; code: number; message: string };

export function decodeReflectionRequest(raw: Uint8Array): ReflectionRequest {
  const reader = new BinaryReader(raw);
  const req: ReflectionRequest = { raw, host: '' };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1:
        req.host = reader.string();
        break;
      case 3:
        req.fileByFilename = reader.string();
        break;
      case 4:
        req.fileContainingSymbol = reader.string();
        break;
      case 5: {
        const ext = new BinaryReader(reader.bytes());
        const value = { containingType: '', extensionNumber: 0 };
        while (ext.pos < ext.len) {
          const [f, w] = ext.tag();
          if (f === 1) value.containingType = ext.string();
          else if (f === 2) value.extensionNumber = ext.int32();
          else ext.skip(w);
        }
        req.fileContainingExtension = value;
        break;
      }
      case 6:
        req.allExtensionNumbersOfType = reader.string();
        break;
      case 7:
        req.listServices = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return req;
}

export function encodeReflectionResponse(req: ReflectionRequest, res: ReflectionResponse): Buffer {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 2).string(req.host);
  w.uint32((2 << 3) | 2).bytes(req.raw);
  switch (res.kind) {
    case 'files': {
      w.uint32((4 << 3) | 2).fork();
      for (const f of res.files) w.uint32((1 << 3) | 2).bytes(f);
      w.join();
      break;
    }
    case 'services': {
      w.uint32((6 << 3) | 2).fork();
      for (const name of res.names) {
        w.uint32((1 << 3) | 2).fork();
        w.uint32((1 << 3) | 2).string(name);
        w.join();
      }
      w.join();
      break;
    }
    case 'extensions': {
      w.uint32((5 << 3) | 2).fork();
      w.uint32((1 << 3) | 2).string(res.baseTypeName);
      for (const n of res.numbers) w.uint32(2 << 3).int32(n);
      w.join();
      break;
    }
    case 'error': {
      w.uint32((7 << 3) | 2).fork();
      w.uint32(1 << 3).int32(res.code);
      w.uint32((2 << 3) | 2).string(res.message);
      w.join();
      break;
    }
  }
  return Buffer.from(w.finish());
}

const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;

/**
 * Answers one request. `sent` holds the files already sent on this stream, which a
 * client does not need again (as grpc-go does).
 */
export function answer(
  index: DescriptorIndex,
  services: () => string[],
  req: ReflectionRequest,
  sent: Set<string>,
): ReflectionResponse {
  const files = (fileName: string): ReflectionResponse => {
    const names = withDependencies(index, fileName).filter((n) => n === fileName || !sent.has(n));
    for (const n of names) sent.add(n);
    return { kind: 'files', files: names.map((n) => index.files.get(n)).filter((f) => f !== undefined) };
  };
  if (req.listServices !== undefined) return { kind: 'services', names: services() };
  if (req.fileByFilename !== undefined) {
    if (!index.files.has(req.fileByFilename)) {
      return { kind: 'error', code: NOT_FOUND, message: `file not found: ${req.fileByFilename}` };
    }
    return files(req.fileByFilename);
  }
  if (req.fileContainingSymbol !== undefined) {
    const symbol = req.fileContainingSymbol.replace(/^\./, '');
    const file = index.symbols.get(symbol);
    if (file === undefined) return { kind: 'error', code: NOT_FOUND, message: `symbol not found: ${symbol}` };
    return files(file);
  }
  if (req.fileContainingExtension !== undefined) {
    // The API defines no extensions.
    return { kind: 'error', code: NOT_FOUND, message: 'extension not found' };
  }
  if (req.allExtensionNumbersOfType !== undefined) {
    const type = req.allExtensionNumbersOfType;
    if (!index.symbols.has(type))
      return { kind: 'error', code: NOT_FOUND, message: `type not found: ${type}` };
    return { kind: 'extensions', baseTypeName: type, numbers: [] };
  }
  return { kind: 'error', code: INVALID_ARGUMENT, message: 'empty reflection request' };
}

function definition(service: string): ServiceDefinition {
  return {
    ServerReflectionInfo: {
      path: `/${service}/ServerReflectionInfo`,
      requestStream: true,
      responseStream: true,
      requestSerialize: (v: Buffer) => v,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (v: Buffer) => v,
      responseDeserialize: (b: Buffer) => b,
      originalName: 'serverReflectionInfo',
    },
  };
}

export const reflectionServiceNames = [
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/** The reflection services' definitions and their one handler. */
export function reflectionServices(
  index: DescriptorIndex,
  services: () => string[],
): Array<{ definition: ServiceDefinition; handler: (call: ServerDuplexStream<Buffer, Buffer>) => void }> {
  const handler = (call: ServerDuplexStream<Buffer, Buffer>) => {
    const sent = new Set<string>();
    call.on('data', (raw: Buffer) => {
      let res: ReflectionResponse;
      let req: ReflectionRequest;
      try {
        req = decodeReflectionRequest(raw);
        res = answer(index, services, req, sent);
      } catch {
        req = { raw: new Uint8Array(), host: '' };
        res = { kind: 'error', code: INVALID_ARGUMENT, message: 'malformed reflection request' };
      }
      call.write(encodeReflectionResponse(req, res));
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  };
  return reflectionServiceNames.map((name) => ({ definition: definition(name), handler }));
}
