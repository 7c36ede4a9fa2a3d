export interface S3Location {
  bucket: string;
  /** Without leading or trailing slash; may be empty. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → its parts; undefined when it is not one. */
export function parseS3Url(value: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
  if (!match) return undefined;
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  return { bucket: match[1], prefix };
}
