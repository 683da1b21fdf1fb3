/**
 * Helpers for the API documentation tests: a JSON Schema 2020-12 validator over the
 * document's component schemas (so examples and live answers are checked against the
 * generated JSON Schema itself, not only against zod), and the document's shape as types.
 *
 * @module
 */
import Ajv2020 from "ajv/dist/2020.js";

/** The parts of an OpenAPI document these tests read. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, unknown> };
}

/** One operation, as far as the tests read it. */
export interface OperationObject {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string }>;
  requestBody?: {
    content: Record<string, { schema: { $ref: string }; examples?: Record<string, Example> }>;
  };
  responses: Record<string, {
    description: string;
    content: Record<string, { schema: { $ref?: string }; examples?: Record<string, Example> }>;
  }>;
}

/** A named example. */
export interface Example {
  summary: string;
  value: unknown;
}

const DOC_ID = "https://labor-pulse.invalid/openapi.json";

/**
 * Compiles every component schema with Ajv's JSON Schema 2020-12 validator in strict mode
 * (an unknown keyword or a broken `$ref` fails), and returns a validator by component name.
 */
export function componentValidator(doc: OpenApiDoc) {
  // deno-lint-ignore no-explicit-any
  const ajv = new (Ajv2020 as any)({ strict: true, allErrors: true, validateFormats: false });
  // OpenAPI 3.1's schema dialect adds `discriminator` (on the notifier's discriminated union)
  // as an annotation: known, and never a constraint (its `oneOf` is what validates).
  ajv.addKeyword({ keyword: "discriminator", schemaType: "object" });
  // The components become `$defs` of one schema so that strict mode applies to all of them.
  const defs = JSON.parse(
    JSON.stringify(doc.components.schemas).replaceAll("#/components/schemas/", "#/$defs/"),
  );
  ajv.addSchema({ $id: DOC_ID, $defs: defs });
  return (component: string, value: unknown): string[] => {
    const validate = ajv.getSchema(`${DOC_ID}#/$defs/${component}`);
    if (!validate) throw new Error(`no component schema ${component}`);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) =>
      `${e.instancePath || "(root)"} ${e.message}`
    );
  };
}

/** The component name of a `$ref`. */
export function refName(ref: string | undefined): string {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref ?? "");
  if (!m) throw new Error(`not a component $ref: ${ref}`);
  return m[1];
}
