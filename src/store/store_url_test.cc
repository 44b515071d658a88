#include "basin/store_url.h"

#include <gtest/gtest.h>

#include "basin/s3_store.h"
#include "test_util.h"

namespace basin {
namespace {

TEST(StoreUrlTest, FileUrlsAndPlainPaths) {
  auto u = ParseStoreUrl("file:///srv/backups/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, StoreUrl::Scheme::kFile);
  EXPECT_EQ(u->path, "/srv/backups");
  EXPECT_EQ(ParseStoreUrl("file:///a/b/../c")->path, "/a/c");
  EXPECT_EQ(ParseStoreUrl("file://localhost/x")->path, "/x");
  EXPECT_EQ(ParseStoreUrl("file:///with%20space")->path, "/with space");
  EXPECT_EQ(ParseStoreUrl("/plain/path")->path, "/plain/path");
  auto rel = ParseStoreUrl("relative/dir");
  ASSERT_TRUE(rel.ok());
  EXPECT_TRUE(rel->path.starts_with("/"));
  EXPECT_TRUE(rel->path.ends_with("/relative/dir"));
}

TEST(StoreUrlTest, MemoryAndS3Urls) {
  EXPECT_EQ(ParseStoreUrl("mem://")->scheme, StoreUrl::Scheme::kMemory);
  EXPECT_EQ(ParseStoreUrl("mem://named")->path, "named");
  auto s3 = ParseStoreUrl("s3://bucket/some/prefix?endpoint=http://127.0.0.1:7480&region=eu-1");
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ(s3->scheme, StoreUrl::Scheme::kS3);
  EXPECT_EQ(s3->bucket, "bucket");
  EXPECT_EQ(s3->prefix, "some/prefix");
  EXPECT_EQ(s3->params.at("endpoint"), "http://127.0.0.1:7480");
  EXPECT_EQ(s3->params.at("region"), "eu-1");
}

TEST(StoreUrlTest, BadUrlsSayWhatIsWrong) {
  for (const char* bad : {"", "ftp://x/y", "file://relative", "s3://", "s3://b?nope=1",
                          "s3://b?endpoint", "file:///bad%zzescape", "file:///cut%2"}) {
    auto u = ParseStoreUrl(bad);
    EXPECT_TRUE(u.status().IsInvalidArgument()) << bad;
    EXPECT_NE(u.status().message().find("bad store URL"), std::string::npos) << bad;
  }
}

TEST(StoreUrlTest, OpensFileAndNamedMemoryStores) {
  basin::testing::TempDir dir;
  auto file = OpenStore("file://" + dir.path() + "/repo");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Put("k", "v").ok());
  EXPECT_EQ(*(*OpenStore(dir.path() + "/repo"))->Get("k"), "v");

  auto a = OpenStore("mem://shared-name");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Put("k", "v").ok());
  EXPECT_EQ(*(*OpenStore("mem://shared-name"))->Get("k"), "v");
  EXPECT_TRUE((*OpenStore("mem://"))->Head("k").status().IsNotFound());  // anonymous: new
}

TEST(StoreUrlTest, S3WithoutCredentialsSaysWhereToPutThem) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  Status s = OpenStore("s3://bucket/p").status();
  EXPECT_TRUE(s.IsPermissionDenied()) << s.ToString();
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

TEST(StoreUrlTest, S3OptionsComeFromTheUrlAndTheEnvironment) {
  ::setenv("AWS_ACCESS_KEY_ID", "id", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  ::unsetenv("AWS_REGION");
  ::unsetenv("AWS_DEFAULT_REGION");
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  const char* bundle = std::getenv("AWS_CA_BUNDLE");
  const std::string saved_bundle = bundle == nullptr ? "" : bundle;
  ::unsetenv("AWS_CA_BUNDLE");
  auto plain = S3OptionsFromUrl(*ParseStoreUrl("s3://b/p"));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->region, "us-east-1");
  EXPECT_FALSE(plain->path_style);  // AWS itself: virtual-hosted
  EXPECT_EQ(plain->part_size, uint64_t{8} << 20);
  EXPECT_EQ(plain->parallel_parts, 4);
  auto tuned = S3OptionsFromUrl(*ParseStoreUrl(
      "s3://b/p?endpoint=http://h:1&region=eu-9&part_mib=32&parts_in_flight=8&style=virtual"));
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  EXPECT_EQ(tuned->endpoint, "http://h:1");
  EXPECT_EQ(tuned->region, "eu-9");
  EXPECT_FALSE(tuned->path_style);
  EXPECT_EQ(tuned->part_size, uint64_t{32} << 20);
  EXPECT_EQ(tuned->parallel_parts, 8);
  EXPECT_TRUE(S3OptionsFromUrl(*ParseStoreUrl("s3://b/p?endpoint=http://h:1"))->path_style);
  // The CAs to trust over HTTPS: ca_file= in the URL, else AWS_CA_BUNDLE, else the system's.
  EXPECT_EQ(plain->ca_file, "");
  ::setenv("AWS_CA_BUNDLE", "/etc/env-ca.pem", 1);
  EXPECT_EQ(S3OptionsFromUrl(*ParseStoreUrl("s3://b/p"))->ca_file, "/etc/env-ca.pem");
  EXPECT_EQ(S3OptionsFromUrl(*ParseStoreUrl("s3://b/p?ca_file=/etc/my%20ca.pem"))->ca_file,
            "/etc/my ca.pem");
  if (saved_bundle.empty()) {
    ::unsetenv("AWS_CA_BUNDLE");
  } else {
    ::setenv("AWS_CA_BUNDLE", saved_bundle.c_str(), 1);
  }
  Status unreadable = OpenStore("s3://b/p?ca_file=/nonexistent/ca.pem").status();
  EXPECT_TRUE(unreadable.IsInvalidArgument()) << unreadable.ToString();
  EXPECT_NE(unreadable.message().find("/nonexistent/ca.pem"), std::string::npos);
  for (const char* bad :
       {"s3://b?part_mib=4", "s3://b?part_mib=5121", "s3://b?part_mib=8x",
        "s3://b?parts_in_flight=0", "s3://b?parts_in_flight=65", "s3://b?style=sideways"}) {
    auto o = S3OptionsFromUrl(*ParseStoreUrl(bad));
    EXPECT_TRUE(o.status().IsInvalidArgument()) << bad;
  }
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_CONFIG_FILE");
}

TEST(StoreUrlTest, StoreAndKeySplitsObjectUrls) {
  basin::testing::TempDir dir;
  auto sk = OpenStoreAndKey("file://" + dir.path() + "/obj");
  ASSERT_TRUE(sk.ok());
  EXPECT_EQ(sk->key, dir.path().substr(1) + "/obj");
  ASSERT_TRUE(sk->store->Put(sk->key, "v").ok());
  auto listing = OpenStoreAndKey(dir.path() + "/");
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->key, dir.path().substr(1) + "/");
  auto all = listing->store->ListAll(listing->key);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  auto mem = OpenStoreAndKey("mem://m/a/b");
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->key, "a/b");
}

// "s3:/bucket/key", a slash short, once made a local directory named "s3:" and put the
// object there, exiting 0.
TEST(StoreUrlTest, ASchemeASlashShortIsAMistypedUrlNotALocalPath) {
  for (const char* bad : {"s3:/bkt/x", "s3:bkt", "mem:/m/k", "file:/tmp/x"}) {
    auto u = ParseStoreUrl(bad);
    EXPECT_TRUE(u.status().IsInvalidArgument()) << bad;
    EXPECT_NE(u.status().message().find("did you mean"), std::string::npos)
        << u.status().ToString();
  }
  auto local = ParseStoreUrl("./s3:/bkt/x");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->scheme, StoreUrl::Scheme::kFile);
}

// An endpoint written with a trailing '/' made every object URL name a listing prefix
// ("names no object (it ends in '/')").
TEST(StoreUrlTest, AnEndpointEndingInASlashIsNotPartOfTheKey) {
  ::setenv("AWS_ACCESS_KEY_ID", "id", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  auto object = OpenStoreAndKey("s3://b/dir/k?endpoint=http://127.0.0.1:9/");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->key, "dir/k");
  auto listing = OpenStoreAndKey("s3://b/dir/?endpoint=http://127.0.0.1:9/");
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->key, "dir/");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
}

}  // namespace
}  // namespace basin
