// Node 18 has Web Crypto only as a module (globalThis.crypto from Node 19/20 on): the same API here.
import { webcrypto } from "node:crypto";

if (!globalThis.crypto) Object.defineProperty(globalThis, "crypto", { value: webcrypto });
