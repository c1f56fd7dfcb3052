#include "apps/export/onnx_writer.h"

#include "engine/util/error.h"

#if HG_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace hg::exporter {

#if HG_WITH_ONNX

namespace {

void fill_attr(onnx::AttributeProto& a, const Attr& at) {
  a.set_name(at.name);
  switch (at.type) {
    case Attr::Type::Int: a.set_type(onnx::AttributeProto::INT), a.set_i(at.i); break;
    case Attr::Type::Float: a.set_type(onnx::AttributeProto::FLOAT), a.set_f(at.f); break;
    case Attr::Type::String: a.set_type(onnx::AttributeProto::STRING), a.set_s(at.s); break;
    case Attr::Type::Ints:
      a.set_type(onnx::AttributeProto::INTS);
      for (int64_t v : at.ints) a.add_ints(v);
      break;
  }
}

// raw_data is little-endian, as this host (x86-64, AArch64) stores floats and int64s.
void fill_tensor(onnx::TensorProto& t, const Initializer& in) {
  t.set_name(in.name);
  for (int64_t d : in.dims) t.add_dims(d);
  if (in.is_int64) {
    t.set_data_type(onnx::TensorProto::INT64);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(in.ints.data()),
                               in.ints.size() * sizeof(int64_t)));
  } else {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(in.floats.data()),
                               in.floats.size() * sizeof(float)));
  }
}

void fill_value(onnx::ValueInfoProto& v, const ValueInfo& in) {
  v.set_name(in.name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (int64_t d : in.dims) {
    auto* dim = shape->add_dim();
    if (d < 0)
      dim->set_dim_param("N");
    else
      dim->set_dim_value(d);
  }
}

}  // namespace

bool onnx_available() { return true; }
void require_onnx() {}

std::string serialize_onnx(const Graph& g, const std::string& name, const std::string& doc) {
  onnx::ModelProto m;
  m.set_ir_version(kIrVersion);
  m.set_producer_name("hourglass");
  m.set_producer_version(HG_VERSION);
  m.set_doc_string(doc);
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  onnx::GraphProto* gp = m.mutable_graph();
  gp->set_name(name);
  for (const Node& n : g.nodes) {
    onnx::NodeProto* np = gp->add_node();
    np->set_op_type(n.op);
    np->set_name(n.name);
    for (const auto& i : n.inputs) np->add_input(i);
    for (const auto& o : n.outputs) np->add_output(o);
    for (const Attr& a : n.attrs) fill_attr(*np->add_attribute(), a);
  }
  for (const Initializer& in : g.initializers) fill_tensor(*gp->add_initializer(), in);
  for (const ValueInfo& v : g.inputs) fill_value(*gp->add_input(), v);
  for (const ValueInfo& v : g.outputs) fill_value(*gp->add_output(), v);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw Error("export: the ONNX model could not be serialized");
  return bytes;
}

#else

bool onnx_available() { return false; }

void require_onnx() {
  throw Error(
      "export: this hourglass was built without ONNX (install libonnx-dev libprotobuf-dev and "
      "rebuild)");
}

std::string serialize_onnx(const Graph&, const std::string&, const std::string&) {
  require_onnx();
  return {};
}

#endif

}  // namespace hg::exporter
