// Stands in for modules that dockerode loads eagerly but turtle never calls (its SSH transport and
// BuildKit gRPC sessions): leaving them out of the bundle halves the CLI's start-up on a router.
module.exports = {};
