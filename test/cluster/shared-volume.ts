// The ReadWriteMany volume Berth's Jobs mount for datasets and checkpoints. The test cluster has no
// storage provisioner, so a static PersistentVolume is made per namespace and pre-bound (claimRef)
// to the claim `berth-shared` there; the PV controller then binds the pair at once. The volume is a
// directory of this machine: no kubelet mounts it (kwok simulates the pods).
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";

export const sharedClaimName = "berth-shared";
const storageClassName = "berth-shared";

export function sharedVolumeName(namespace: string): string {
  return `berth-shared-${namespace}`;
}

export function sharedVolume(
  namespace: string,
  hostDir: string,
): [V1PersistentVolume, V1PersistentVolumeClaim] {
  const size = "100Gi";
  return [
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: sharedVolumeName(namespace), labels: { "berth.dev/shared-volume": "true" } },
      spec: {
        capacity: { storage: size },
        accessModes: ["ReadWriteMany"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName,
        hostPath: { path: hostDir, type: "DirectoryOrCreate" },
        claimRef: { namespace, name: sharedClaimName },
      },
    },
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: sharedClaimName, namespace },
      spec: {
        accessModes: ["ReadWriteMany"],
        storageClassName,
        volumeName: sharedVolumeName(namespace),
        resources: { requests: { storage: size } },
      },
    },
  ];
}
