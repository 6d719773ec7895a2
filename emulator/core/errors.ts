/**
 * CodeArtifact's modeled errors. Every error the emulator sends is one of these, so that
 * clients parse it exactly as they parse AWS's: status code, `x-amzn-ErrorType` header and a
 * JSON body with `message` plus the modeled members.
 */
export type ResourceType = 'domain' | 'repository' | 'package' | 'package-version' | 'asset';
export type ValidationReason = 'CANNOT_PARSE' | 'ENCRYPTION_KEY_ERROR' | 'FIELD_VALIDATION_FAILED' | 'UNKNOWN_OPERATION' | 'OTHER';

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly members: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = type;
  }

  body(): Record<string, unknown> {
    return { message: this.message, ...this.members };
  }
}

export const validationError = (message: string, reason: ValidationReason = 'FIELD_VALIDATION_FAILED') =>
  new ServiceError('ValidationException', 400, message, { reason });

export const notFound = (resourceType: ResourceType, resourceId: string, message: string) =>
  new ServiceError('ResourceNotFoundException', 404, message, { resourceId, resourceType });

export const conflict = (resourceType: ResourceType, resourceId: string, message: string) =>
  new ServiceError('ConflictException', 409, message, { resourceId, resourceType });

export const quotaExceeded = (resourceType: ResourceType, resourceId: string, message: string) =>
  new ServiceError('ServiceQuotaExceededException', 402, message, { resourceId, resourceType });

export const accessDenied = (message: string) => new ServiceError('AccessDeniedException', 403, message);

export const throttled = (message: string, retryAfterSeconds = 1) =>
  new ServiceError('ThrottlingException', 429, message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });

export const internalError = (message: string) => new ServiceError('InternalServerException', 500, message);

/** Authentication failures: AWS's front door answers these before any operation runs. */
export const authErrors = {
  missing: () => new ServiceError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token'),
  unknownKey: () => new ServiceError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'),
  badSignature: () =>
    new ServiceError(
      'InvalidSignatureException',
      403,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    ),
  incomplete: (detail: string) => new ServiceError('IncompleteSignatureException', 403, detail),
  expired: (detail: string) => new ServiceError('InvalidSignatureException', 403, `Signature expired: ${detail}`),
};
