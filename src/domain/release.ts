/**
 * A release is one container template of a service: image plus everything that
 * changes the containers. Its replicas are numbered by slot (the last part of
 * the container name).
 */

/** Replicas of one release, by slot (the last part of the container name). */
export interface ReplicaGroup {
  release: string;
  slots: number[];
}

/** A secret a container sees as an env var: the spec names where the worker finds the value, never the value. */
export interface SecretRef {
  /** The environment variable the container sees. */
  name: string;
  /** Worker environment variable holding the value. */
  fromEnv?: string;
  /** File holding the value, in the service's secrets directory on the worker. */
  fromFile?: string;
}

export interface ContainerResources {
  /** A size like "256m" or "1g". */
  memory?: string;
  cpus?: number;
}

/** How a release's containers are made. */
export interface ContainerTemplate {
  /** The image as the spec names it (labels, people). */
  image: string;
  /** The resolved image's id and the secrets' keyed digest: what makes a moved tag or a rotated secret a new release. */
  imageId?: string;
  secretsDigest?: string;
  /** What containers are created from, when resolved (a digest or an image id, so a tag moving mid-deployment changes nothing). */
  pinnedImage?: string;
  port: number;
  env: Record<string, string>;
  secrets: SecretRef[];
  command: string[] | null;
  resources: ContainerResources | null;
  stopGracePeriod: number;
}

/** The image a release runs, as the worker resolved it when planning. */
export interface ResolvedImage {
  /** What the spec named (a tag may move). */
  reference: string;
  /** What containers are created from: `repo@sha256:<digest>` for registry images, the image id for images that exist only on the host. */
  pinned: string;
  /** Docker's image id (the content): part of the release id, so a moved tag is a new release. */
  id: string;
  /** Pulled for this deployment, or already on the host. */
  source: 'pulled' | 'local';
  /** Something a person should know (a pull that failed, so the host's copy is used). */
  note?: string;
}

/** What the worker resolved before planning; it decides the release id. */
export interface Resolution {
  image?: ResolvedImage;
  /** A keyed hash of the secret values (computed by the worker; the values never enter Temporal): a rotated secret is a new release. */
  secretsDigest?: string;
}
