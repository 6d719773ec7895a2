/**
 * STS GetCallerIdentity on the emulator's own endpoint (awsQuery protocol, XML answers), so
 * that `aws sts get-caller-identity` and the SDK find the account id exactly as on AWS.
 */
import type { Credential } from './core/sigv4.ts';

export interface StsAnswer {
  status: number;
  body: string;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function answerSts(body: Buffer, accountId: string, caller: Credential['accessKeyId'], requestId: string): StsAnswer {
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action');
  if (action !== 'GetCallerIdentity') {
    return {
      status: 400,
      body: errorXml(
        'InvalidAction',
        `The emulator answers only STS GetCallerIdentity; '${action ?? '(none)'}' is not supported.`,
        requestId,
      ),
    };
  }
  return {
    status: 200,
    body:
      `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>` +
      `<Arn>arn:aws:iam::${accountId}:root</Arn><UserId>${xmlEscape(caller)}</UserId><Account>${accountId}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}

export function errorXml(code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
