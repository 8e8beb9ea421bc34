// What the worker bundles into Temporal's workflow sandbox.
export { deploy, deployHost } from './deploy';
export { planPreview } from './plan-preview';
export { hostRegistry } from './hosts';
