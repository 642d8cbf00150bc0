#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_SERVICE_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_SERVICE_H_

// The gRPC face of the coordinator: a thin callback-API adapter
// (tailor.v1.Coordinator) over distributed::Coordinator, whose handlers
// never block, so each reaction finishes inline. Statuses convert in
// core/grpc_status.h only. gRPC types stay out of this header. Thread-safe.

#include <memory>

#include "trainer/distributed/coordinator.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace tailor::distributed {

class CoordinatorService {
 public:
  // `coordinator` must outlive the service.
  static std::unique_ptr<CoordinatorService> Create(Coordinator* coordinator);
  virtual ~CoordinatorService() = default;
  // Register with grpc::ServerBuilder::RegisterService.
  virtual grpc::Service* grpc_service() = 0;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_SERVICE_H_
