/**
 * The kernel ABI of `/dev/ntsync`: request codes, constants, errno numbers
 * and struct codecs.
 *
 * @module
 */
export * from "./errno.ts";
export * from "./ioctl.ts";
export * from "./struct.ts";
export * from "./structs.ts";
