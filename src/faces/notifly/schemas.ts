import { Type, type TSchema } from '@sinclair/typebox';
import { MaruError, type ErrorCode } from '../../core/errors.ts';
import { described, errorResponses, Nullable } from '../shared/openapi.ts';
import { renderCampaignError, renderDataError } from './envelope.ts';

const CODE_OF: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_key_reused',
  429: 'rate_limited',
  500: 'internal',
  501: 'not_implemented',
  503: 'unavailable',
};
export const exampleError = (status: number) =>
  new MaruError(CODE_OF[status], status === 422 ? 'Idempotency-Key was used with another body' : 'see docs/notifly.md');

/** The data envelope `{data, error}` (seed 004 §1–4). */
export const DataError = Type.Object({ data: Type.Null(), error: Type.String() }, { additionalProperties: false });
export const dataOk = (data: TSchema, example: unknown) => ({
  200: described(200, Type.Object({ data, error: Type.Null() }, { additionalProperties: false }), { data: example, error: null }),
});
export const DATA_ERRORS = errorResponses(DataError, [400, 401, 403, 413, 415, 429, 500, 503], (s) => renderDataError(exampleError(s)).body);

/** The campaign envelope `{code, success, error}` (seed 004 §5). */
export const CampaignEnvelope = Type.Object({ code: Type.Integer(), success: Type.Boolean(), error: Nullable(Type.String()) }, { additionalProperties: false });
export const CAMPAIGN_RESPONSES = {
  200: described(200, CampaignEnvelope, { code: 200, success: true, error: null }, 'Triggered'),
  ...errorResponses(CampaignEnvelope, [400, 401, 404, 413, 415, 422, 429, 500, 501, 503], (s) => renderCampaignError(exampleError(s)).body),
};

/** The messaging envelope `{success}` / `{error}` (seed 004 §6–9). */
export const MessagesError = Type.Object({ error: Type.String() }, { additionalProperties: false });
export const MessagesSuccess = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false });
export const MESSAGES_ERRORS = errorResponses(MessagesError, [400, 401, 404, 413, 415, 422, 429, 500, 503], (s) => ({
  error: s === 413 ? 'Payload Too Large' : s === 500 ? 'Internal Server Error' : renderDataError(exampleError(s)).body.error,
}));

/** One object, or an array of 1..max of them (D9). */
export const oneOrMany = (item: TSchema, max: number, example: unknown) =>
  Type.Union([item, Type.Array(item, { minItems: 1, maxItems: max })], { examples: [example] });
