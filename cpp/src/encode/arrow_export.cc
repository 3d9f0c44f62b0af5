#include "encode/arrow_export.h"

#include <string>
#include <vector>

namespace ki {

namespace {

const uint8_t kZeros[64] = {};  // stands in for an empty buffer: importers want non-null pointers

const void* buf(const void* p) { return p ? p : kZeros; }

// Owned by the schema node; children and dictionary are released with it.
struct SchemaData {
  std::string format, name;
  std::vector<ArrowSchema*> kids;
  ArrowSchema* dict = nullptr;
};

// Schema and array nodes alike: `Data` owns the children and the dictionary, released with it.
template <class T, class Data>
void release_node(T* s) {
  auto* d = static_cast<Data*>(s->private_data);
  for (T* k : d->kids) {
    if (k->release) k->release(k);
    delete k;
  }
  if (d->dict) {
    if (d->dict->release) d->dict->release(d->dict);
    delete d->dict;
  }
  delete d;
  s->release = nullptr;
}

template <class T, class Data>
void add_node_child(T* s, T* k) {
  auto* d = static_cast<Data*>(s->private_data);
  d->kids.push_back(k);
  s->n_children = static_cast<int64_t>(d->kids.size());
  s->children = d->kids.data();
}

void release_schema(ArrowSchema* s) { release_node<ArrowSchema, SchemaData>(s); }
void add_child(ArrowSchema* s, ArrowSchema* k) { add_node_child<ArrowSchema, SchemaData>(s, k); }

ArrowSchema* new_schema(ArrowSchema* s, std::string format, std::string name, int64_t flags) {
  auto* d = new SchemaData{std::move(format), std::move(name), {}, nullptr};
  *s = ArrowSchema{d->format.c_str(), d->name.c_str(), nullptr, flags, 0, nullptr, nullptr, &release_schema, d};
  return s;
}

// Keeps the table alive while any array points into it.
struct ArrayData {
  std::shared_ptr<const ColumnTable> table;
  std::vector<const void*> bufs;
  std::vector<ArrowArray*> kids;
  ArrowArray* dict = nullptr;
  std::vector<int64_t> dict_offsets;  // a Dict column's dictionary (its own offsets)
};

void release_array(ArrowArray* a) { release_node<ArrowArray, ArrayData>(a); }
void add_child(ArrowArray* a, ArrowArray* k) { add_node_child<ArrowArray, ArrayData>(a, k); }

ArrowArray* new_array(ArrowArray* a, const std::shared_ptr<const ColumnTable>& t, int64_t length,
                      int64_t nulls, std::vector<const void*> bufs) {
  auto* d = new ArrayData{t, std::move(bufs), {}, nullptr, {}};
  *a = ArrowArray{length, nulls, 0, static_cast<int64_t>(d->bufs.size()), 0, d->bufs.data(), nullptr, nullptr,
                  &release_array, d};
  return a;
}

const void* validity(const Column& c) { return c.nulls ? c.valid.data() : nullptr; }

void export_column(const std::shared_ptr<const ColumnTable>& t, const Column& c, const std::string& name,
                   ArrowSchema* s, ArrowArray* a) {
  const auto n = static_cast<int64_t>(t->rows);
  const auto nulls = static_cast<int64_t>(c.nulls);
  switch (c.type) {
    case ColType::Int:
      new_schema(s, "l", name, ARROW_FLAG_NULLABLE);
      new_array(a, t, n, nulls, {validity(c), buf(c.ints.data())});
      break;
    case ColType::Timestamp:
      new_schema(s, "tsn:UTC", name, ARROW_FLAG_NULLABLE);
      new_array(a, t, n, nulls, {validity(c), buf(c.ints.data())});
      break;
    case ColType::Float:
      new_schema(s, "g", name, ARROW_FLAG_NULLABLE);
      new_array(a, t, n, nulls, {validity(c), buf(c.floats.data())});
      break;
    case ColType::Bool:
      new_schema(s, "b", name, ARROW_FLAG_NULLABLE);
      new_array(a, t, n, nulls, {validity(c), buf(c.bools.data())});
      break;
    case ColType::Dict: {
      new_schema(s, "i", name, ARROW_FLAG_NULLABLE);
      auto* sd = static_cast<SchemaData*>(s->private_data);
      sd->dict = new_schema(new ArrowSchema, "U", "", 0);
      s->dictionary = sd->dict;
      new_array(a, t, n, nulls, {validity(c), buf(c.codes.data())});
      auto* ad = static_cast<ArrayData*>(a->private_data);
      ad->dict = new_array(new ArrowArray, t, static_cast<int64_t>(c.dict_size()), 0,
                           {nullptr, c.offsets.data(), buf(c.data.data())});
      a->dictionary = ad->dict;
      break;
    }
    case ColType::String:
    case ColType::Json:  // the JSON text of the value
    case ColType::Null:
      new_schema(s, "U", name, ARROW_FLAG_NULLABLE);
      new_array(a, t, n, nulls, {validity(c), c.offsets.data(), buf(c.data.data())});
      break;
  }
}

// A struct column for an object node: its validity is "the document wrote this object".
void export_node(const std::shared_ptr<const ColumnTable>& t, int node, const std::string& name, ArrowSchema* s,
                 ArrowArray* a);

void export_kids(const std::shared_ptr<const ColumnTable>& t, int node, ArrowSchema* s, ArrowArray* a) {
  for (int k : t->nodes[node].kids) {
    const ColumnNode& n = t->nodes[k];
    if (n.col >= 0) {
      auto* cs = new ArrowSchema;
      auto* ca = new ArrowArray;
      // A name that is a value in some documents and an object in others: both kept.
      export_column(t, t->cols[n.col], n.kids.empty() ? n.name : n.name + "._value", cs, ca);
      add_child(s, cs);
      add_child(a, ca);
    }
    if (!n.kids.empty()) {
      auto* cs = new ArrowSchema;
      auto* ca = new ArrowArray;
      export_node(t, k, n.name, cs, ca);
      add_child(s, cs);
      add_child(a, ca);
    }
  }
}

void export_node(const std::shared_ptr<const ColumnTable>& t, int node, const std::string& name, ArrowSchema* s,
                 ArrowArray* a) {
  const ColumnNode& n = t->nodes[node];
  int64_t nulls = 0;
  const void* valid = nullptr;
  if (node != 0) {
    for (size_t r = 0; r < t->rows; ++r) nulls += !t->present(node, r);
    if (nulls) valid = n.present.data();
  }
  new_schema(s, "+s", name, node ? ARROW_FLAG_NULLABLE : 0);
  new_array(a, t, static_cast<int64_t>(t->rows), nulls, {valid});
  export_kids(t, node, s, a);
}

}  // namespace

void export_arrow(std::shared_ptr<const ColumnTable> t, bool flatten, ArrowSchema* schema, ArrowArray* array) {
  if (!flatten) {
    export_node(t, 0, "", schema, array);
    return;
  }
  new_schema(schema, "+s", "", 0);
  new_array(array, t, static_cast<int64_t>(t->rows), 0, {nullptr});
  // Leaves in field order, named by their dotted path.
  std::vector<std::pair<int, std::string>> order;
  auto walk = [&](auto&& self, int node, const std::string& prefix) -> void {
    for (int k : t->nodes[node].kids) {
      const ColumnNode& n = t->nodes[k];
      std::string path = prefix.empty() ? n.name : prefix + "." + n.name;
      if (n.col >= 0) order.emplace_back(n.col, path);
      if (!n.kids.empty()) self(self, k, path);
    }
  };
  walk(walk, 0, "");
  for (auto& [col, path] : order) {
    auto* cs = new ArrowSchema;
    auto* ca = new ArrowArray;
    export_column(t, t->cols[col], path, cs, ca);
    add_child(schema, cs);
    add_child(array, ca);
  }
}

}  // namespace ki
