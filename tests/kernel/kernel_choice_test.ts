import assert from "node:assert/strict";
import { chooseKernel } from "./kernel_choice.ts";

// Real names from Debian sid's listing (apt-cache pkgnames linux-), trimmed.
const SID_2026 = [
  "linux-base-7.2.13+deb14-cloud-amd64",
  "linux-base-cloud-amd64",
  "linux-binary-7.2.13+deb14-cloud-amd64",
  "linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
  "linux-headers-7.2.13+deb14-cloud-amd64",
  "linux-image-7.2.13+deb14-cloud-amd64",
  "linux-image-7.2.13+deb14-cloud-amd64-dbg",
  "linux-image-cloud-amd64",
  "linux-image-cloud-amd64-dbg",
  "linux-modules-7.2.13+deb14-cloud-amd64",
  "linux-binary-unsigned-7.2.13+deb14-amd64",
  "linux-modules-7.2.13+deb14-amd64",
];

Deno.test("chooseKernel picks the unsigned binary and the modules package", () => {
  assert.deepEqual(chooseKernel(SID_2026), {
    abi: "7.2.13+deb14",
    image: "linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
    modules: "linux-modules-7.2.13+deb14-cloud-amd64",
  });
});

Deno.test("chooseKernel takes the newest ABI by Debian version order", () => {
  const names = [
    "linux-binary-unsigned-6.9.12+deb14-cloud-amd64",
    "linux-modules-6.9.12+deb14-cloud-amd64",
    "linux-binary-unsigned-6.10.1+deb14-cloud-amd64",
    "linux-modules-6.10.1+deb14-cloud-amd64",
    "linux-binary-unsigned-6.10~rc7+deb14-cloud-amd64",
  ];
  assert.equal(chooseKernel(names)?.abi, "6.10.1+deb14");
  assert.equal(
    chooseKernel(names)?.modules,
    "linux-modules-6.10.1+deb14-cloud-amd64",
  );
});

Deno.test("chooseKernel accepts the older single-package layout", () => {
  const names = [
    "linux-image-6.12.9-cloud-amd64",
    "linux-image-6.12.9-cloud-amd64-unsigned",
    "linux-image-6.12.9-cloud-amd64-dbg",
    "linux-image-cloud-amd64",
  ];
  assert.deepEqual(chooseKernel(names), {
    abi: "6.12.9",
    image: "linux-image-6.12.9-cloud-amd64-unsigned",
  });
  // Only the signed image: still usable.
  assert.deepEqual(chooseKernel(["linux-image-6.12.9-cloud-amd64"]), {
    abi: "6.12.9",
    image: "linux-image-6.12.9-cloud-amd64",
  });
});

Deno.test("chooseKernel ignores other flavours, metapackages and blank lines", () => {
  assert.equal(
    chooseKernel([
      "",
      "linux-image-cloud-amd64",
      "linux-binary-unsigned-7.2.13+deb14-amd64",
      "linux-image-7.2.13+deb14-cloud-amd64-dbg",
    ]),
    undefined,
  );
  assert.equal(
    chooseKernel(SID_2026, "amd64")?.image,
    "linux-binary-unsigned-7.2.13+deb14-amd64",
  );
});

Deno.test("chooseKernel handles dashed ABIs (bookworm style)", () => {
  const names = [
    "linux-image-6.1.0-18-cloud-amd64",
    "linux-image-6.1.0-18-cloud-amd64-unsigned",
    "linux-image-6.1.0-9-cloud-amd64-unsigned",
    "linux-image-6.1.0-18-amd64-unsigned",
  ];
  assert.deepEqual(chooseKernel(names), {
    abi: "6.1.0-18",
    image: "linux-image-6.1.0-18-cloud-amd64-unsigned",
  });
  assert.deepEqual(chooseKernel(names, "amd64"), {
    abi: "6.1.0-18",
    image: "linux-image-6.1.0-18-amd64-unsigned",
  });
});
