// Where every Job Berth launches for the YOLO pipeline mounts the team's ReadWriteMany volume
// (datasets, runs, checkpoints, exports): job specs name paths relative to it, and a run resumed on
// another node finds its checkpoint there. The Job itself is built by src/adapters/kube/job-manifest.ts.
export const WORKSPACE_MOUNT = "/workspace";
