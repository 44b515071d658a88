// Opens stores by URL (file://, mem://, s3://): basin::store_url, which brings the S3
// store and its libraries with it.
#include <cstdio>

#include <basin/store_url.h>

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "mem://consumer";
  auto store = basin::OpenStore(url);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  if (!(*store)->Put("k", "v").ok() || *(*store)->Get("k") != "v") return 1;
  std::printf("ok %s\n", (*store)->url().c_str());
  return 0;
}
