/**
 * The Swagger 2.0 document in protobuf, as gnostic's `openapi.v2.Document` message
 * (github.com/google/gnostic, openapiv2/OpenAPIv2.proto): what kubectl and client-go
 * ask `/openapi/v2` for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`),
 * and the only form they parse. Only the fields the document uses are written; vendor
 * extensions travel as YAML (JSON is YAML), as gnostic carries them.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { OpenApiV2Document, OperationV2, ParameterV2, PathItemV2, SchemaV2 } from './document-v2.js';

type Write = (w: BinaryWriter) => void;

function message(w: BinaryWriter, field: number, body: Write): void {
  w.tag(field, 2).fork();
  body(w);
  w.join();
}

function string(w: BinaryWriter, field: number, value: string | undefined): void {
  if (value !== undefined && value !== '') w.tag(field, 2).string(value);
}

function bool(w: BinaryWriter, field: number, value: boolean | undefined): void {
  if (value) w.tag(field, 0).bool(true);
}

/** `NamedAny{name, value: Any{yaml}}`. */
function namedAny(w: BinaryWriter, field: number, name: string, value: unknown): void {
  message(w, field, (n) => {
    string(n, 1, name);
    message(n, 2, (a) => string(a, 2, JSON.stringify(value)));
  });
}

function extensions(w: BinaryWriter, field: number, object: object): void {
  for (const [key, value] of Object.entries(object)) {
    if (key.startsWith('x-') && value !== undefined) namedAny(w, field, key, value);
  }
}

function schema(w: BinaryWriter, s: SchemaV2): void {
  string(w, 1, s.$ref);
  string(w, 2, s.format);
  string(w, 4, s.description);
  for (const r of s.required ?? []) string(w, 19, r);
  for (const e of s.enum ?? []) message(w, 20, (a) => string(a, 2, JSON.stringify(e)));
  const additional = s.additionalProperties;
  if (additional !== undefined) {
    message(w, 21, (a) => {
      if (typeof additional === 'boolean') a.tag(2, 0).bool(additional);
      else message(a, 1, (x) => schema(x, additional));
    });
  }
  if (s.type) message(w, 22, (t) => string(t, 1, s.type));
  const items = s.items;
  if (items) message(w, 23, (i) => message(i, 1, (x) => schema(x, items)));
  const properties = s.properties;
  if (properties) {
    message(w, 25, (p) => {
      for (const [name, value] of Object.entries(properties)) {
        message(p, 1, (n) => {
          string(n, 1, name);
          message(n, 2, (x) => schema(x, value));
        });
      }
    });
  }
  extensions(w, 31, s);
}

/** `ParametersItem{parameter: Parameter{body_parameter | non_body_parameter}}`. */
function parameter(w: BinaryWriter, field: number, p: ParameterV2): void {
  message(w, field, (item) =>
    message(item, 1, (param) => {
      const body = p.schema;
      if (p.in === 'body' && body) {
        message(param, 1, (b) => {
          string(b, 1, p.description);
          string(b, 2, p.name);
          string(b, 3, p.in);
          bool(b, 4, p.required);
          message(b, 5, (x) => schema(x, body));
        });
        return;
      }
      // NonBodyParameter: query_parameter_sub_schema = 3, path_parameter_sub_schema = 4.
      message(param, 2, (nb) =>
        message(nb, p.in === 'path' ? 4 : 3, (q) => {
          bool(q, 1, p.required);
          string(q, 2, p.in);
          string(q, 3, p.description);
          string(q, 4, p.name);
          if (p.in === 'path') {
            string(q, 5, p.type);
            bool(q, 19, p.uniqueItems);
          } else {
            string(q, 6, p.type);
            bool(q, 20, p.uniqueItems);
          }
        }),
      );
    }),
  );
}

function operation(w: BinaryWriter, field: number, op: OperationV2): void {
  message(w, field, (o) => {
    for (const t of op.tags) string(o, 1, t);
    string(o, 3, op.description);
    string(o, 5, op.operationId);
    for (const p of op.produces) string(o, 6, p);
    for (const c of op.consumes ?? []) string(o, 7, c);
    for (const p of op.parameters ?? []) parameter(o, 8, p);
    message(o, 9, (rs) => {
      for (const [code, response] of Object.entries(op.responses)) {
        message(rs, 1, (named) => {
          string(named, 1, code);
          message(named, 2, (value) =>
            message(value, 1, (r) => {
              string(r, 1, response.description);
              const body = response.schema;
              if (body) message(r, 2, (item) => message(item, 1, (x) => schema(x, body)));
            }),
          );
        });
      }
    });
    for (const s of op.schemes) string(o, 10, s);
    extensions(o, 13, op);
  });
}

const methodFields = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

function pathItem(w: BinaryWriter, item: PathItemV2): void {
  for (const [method, field] of Object.entries(methodFields) as [keyof typeof methodFields, number][]) {
    const op = item[method];
    if (op) operation(w, field, op);
  }
  for (const p of item.parameters ?? []) parameter(w, 9, p);
}

/** The document as gnostic's `openapi.v2.Document`. */
export function encodeGnosticV2(doc: OpenApiV2Document): Uint8Array {
  const w = new BinaryWriter();
  string(w, 1, doc.swagger);
  message(w, 2, (i) => {
    string(i, 1, doc.info.title);
    string(i, 2, doc.info.version);
  });
  message(w, 8, (paths) => {
    for (const [name, item] of Object.entries(doc.paths)) {
      message(paths, 2, (named) => {
        string(named, 1, name);
        message(named, 2, (x) => pathItem(x, item));
      });
    }
  });
  message(w, 9, (defs) => {
    for (const [name, value] of Object.entries(doc.definitions)) {
      message(defs, 1, (named) => {
        string(named, 1, name);
        message(named, 2, (x) => schema(x, value));
      });
    }
  });
  return w.finish();
}
