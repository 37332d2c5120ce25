import { createRegistry, toBinary, type DescFile, type DescService, type Registry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

/**
 * The schema a server serves, for gRPC server reflection: its services and every file they
 * need (imports included, e.g. google/protobuf/timestamp.proto), as serialized
 * FileDescriptorProtos, from the descriptors protoc-gen-es embeds in gen/.
 */
export interface DescriptorIndex {
  serviceNames(): string[];
  /** The file and, after it, every file it imports (transitively); undefined when unknown. */
  fileByName(name: string): Uint8Array[] | undefined;
  /** The same for the file that defines a message, enum, service, method, field or enum value. */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined;
  fileContainingExtension(extendee: string, number: number): Uint8Array[] | undefined;
  /** Undefined when the message type is unknown. */
  extensionNumbersOf(extendee: string): number[] | undefined;
}

// DescFile.name drops the `.proto` suffix; reflection speaks in full file names.
const fileName = (file: DescFile) => file.proto.name;

function addWithImports(file: DescFile, into: Map<string, DescFile>) {
  if (into.has(fileName(file))) return;
  into.set(fileName(file), file);
  for (const dep of file.dependencies) addWithImports(dep, into);
}

export function createDescriptorIndex(services: readonly DescService[]): DescriptorIndex {
  const files = new Map<string, DescFile>();
  for (const service of services) addWithImports(service.file, files);
  const registry: Registry = createRegistry(...files.values());
  const encoded = new Map<string, Uint8Array>();
  const bytesOf = (file: DescFile) => {
    let bytes = encoded.get(fileName(file));
    if (!bytes) encoded.set(fileName(file), (bytes = toBinary(FileDescriptorProtoSchema, file.proto)));
    return bytes;
  };
  const withImports = (file: DescFile) => {
    const all = new Map<string, DescFile>();
    addWithImports(file, all);
    return [...all.values()].map(bytesOf);
  };

  const fileDefining = (symbol: string): DescFile | undefined => {
    const name = symbol.replace(/^\./, '');
    const desc = registry.get(name);
    if (desc)
      return desc.kind === 'extension' || desc.kind === 'service' || desc.kind === 'message' || desc.kind === 'enum'
        ? desc.file
        : undefined;
    const dot = name.lastIndexOf('.');
    if (dot < 0) return undefined;
    const parent = registry.get(name.slice(0, dot));
    const member = name.slice(dot + 1);
    if (parent?.kind === 'service' && parent.methods.some((m) => m.name === member)) return parent.file;
    if (parent?.kind === 'message' && (parent.fields.some((f) => f.name === member) || parent.oneofs.some((o) => o.name === member)))
      return parent.file;
    if (parent?.kind === 'enum' && parent.values.some((v) => v.name === member)) return parent.file;
    return undefined;
  };

  return {
    serviceNames: () => services.map((s) => s.typeName),
    fileByName(name) {
      const file = files.get(name);
      return file && withImports(file);
    },
    fileContainingSymbol(symbol) {
      const file = fileDefining(symbol);
      return file && withImports(file);
    },
    fileContainingExtension(extendee, number) {
      const message = registry.getMessage(extendee.replace(/^\./, ''));
      const extension = message && registry.getExtensionFor(message, number);
      return extension && withImports(extension.file);
    },
    extensionNumbersOf(extendee) {
      const typeName = extendee.replace(/^\./, '');
      if (!registry.getMessage(typeName)) return undefined;
      const numbers: number[] = [];
      for (const desc of registry) if (desc.kind === 'extension' && desc.extendee.typeName === typeName) numbers.push(desc.number);
      return numbers.sort((a, b) => a - b);
    },
  };
}
