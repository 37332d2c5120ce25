import { create, fromBinary, toBinary, type DescService, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, type ConnectRouter } from '@connectrpc/connect';
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../../../gen/grpc/reflection/v1/reflection_pb.js';
import * as v1alpha from '../../../gen/grpc/reflection/v1alpha/reflection_pb.js';
import { createDescriptorIndex, type DescriptorIndex } from './descriptor-index.js';

type Answer = MessageInitShape<typeof ServerReflectionResponseSchema>['messageResponse'];

const notFound = (message: string): Answer => ({ case: 'errorResponse', value: { errorCode: Code.NotFound, errorMessage: message } });
const files = (bytes: Uint8Array[] | undefined, what: string): Answer =>
  bytes ? { case: 'fileDescriptorResponse', value: { fileDescriptorProto: bytes } } : notFound(`${what} is not served here`);

function answer(index: DescriptorIndex, req: ServerReflectionRequest): ServerReflectionResponse {
  const r = req.messageRequest;
  let messageResponse: Answer;
  switch (r.case) {
    case 'listServices':
      messageResponse = { case: 'listServicesResponse', value: { service: index.serviceNames().map((name) => ({ name })) } };
      break;
    case 'fileByFilename':
      messageResponse = files(index.fileByName(r.value), `file "${r.value}"`);
      break;
    case 'fileContainingSymbol':
      messageResponse = files(index.fileContainingSymbol(r.value), `symbol "${r.value}"`);
      break;
    case 'fileContainingExtension':
      messageResponse = files(
        index.fileContainingExtension(r.value.containingType, r.value.extensionNumber),
        `extension ${r.value.extensionNumber} of "${r.value.containingType}"`,
      );
      break;
    case 'allExtensionNumbersOfType': {
      const numbers = index.extensionNumbersOf(r.value);
      messageResponse = numbers
        ? { case: 'allExtensionNumbersResponse', value: { baseTypeName: r.value, extensionNumber: numbers } }
        : notFound(`message type "${r.value}" is not served here`);
      break;
    }
    default:
      messageResponse = {
        case: 'errorResponse',
        value: { errorCode: Code.InvalidArgument, errorMessage: 'the request names no question' },
      };
  }
  return create(ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse });
}

/**
 * gRPC server reflection, v1 and the older v1alpha (same messages, other package), so
 * grpcurl and `buf curl` work with no proto files. `services` are what it lists; the
 * reflection services themselves are added.
 */
export function reflectionRoutes(services: readonly DescService[]) {
  const index = createDescriptorIndex([...services, ServerReflection, v1alpha.ServerReflection]);
  return (router: ConnectRouter) => {
    router.service(ServerReflection, {
      async *serverReflectionInfo(requests) {
        for await (const req of requests) yield answer(index, req);
      },
    });
    // v1alpha's messages are v1's under another name: the bytes are the same.
    router.service(v1alpha.ServerReflection, {
      async *serverReflectionInfo(requests) {
        for await (const req of requests) {
          const v1 = answer(index, fromBinary(ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, req)));
          yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(ServerReflectionResponseSchema, v1));
        }
      },
    });
  };
}
