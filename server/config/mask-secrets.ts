/** How print-config shows a secret: the value is replaced, never shown in part. */
export const MASK = '********';

// Connection-string options whose values are secrets.
const SECRET_URI_OPTIONS = /([?&](?:tlsCertificateKeyFilePassword|authMechanismProperties|password)=)[^&]*/gi;

/** A URL with the password of its user info masked (`scheme://user:********@host`); the rest stays readable. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:${MASK}`}@`;
  });
}

/** A MongoDB URI with its password (and secret options) masked; user and hosts stay readable. */
export function maskMongoUri(uri: string): string {
  return maskUrlPassword(uri).replace(SECRET_URI_OPTIONS, `$1${MASK}`);
}
