// SigV4 against AWS's published vectors: the generic test suite (credentials AKIDEXAMPLE,
// 2015-08-30T12:36:00Z, us-east-1, service "service") and the S3 documentation's example.
#include "store/s3/sigv4.h"

#include <gtest/gtest.h>

namespace basin::s3 {
namespace {

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr char kDate[] = "20150830T123600Z";
constexpr char kScope[] = "20150830/us-east-1/service/aws4_request";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Authorization(SignRequest r, const Credentials& c = kSuite) {
  Sign(r, c, "us-east-1", "service", kDate);
  for (const auto& [k, v] : r.headers) {
    if (k == "authorization") return v;
  }
  return "";
}

std::string Signature(const std::string& authorization) {
  return authorization.substr(authorization.rfind('=') + 1);
}

SignRequest Get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
  return {"GET", std::move(path), std::move(query), {{"Host", "example.amazonaws.com"}}, kEmpty};
}

TEST(SigV4Test, GetVanilla) {
  const std::string a = Authorization(Get("/"));
  EXPECT_EQ(a,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCaseSortsTheQuery) {
  SignRequest r = Get("/", {{"Param2", "value2"}, {"Param1", "value1"}});
  r.headers.emplace_back("x-amz-date", kDate);
  std::string signed_headers;
  const std::string canonical = CanonicalRequest(r, &signed_headers);
  EXPECT_EQ(canonical, std::string("GET\n/\nParam1=value1&Param2=value2\n") +
                           "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
                           "host;x-amz-date\n" + kEmpty);
  EXPECT_EQ(StringToSign(kDate, kScope, canonical),
            std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n") + kScope +
                "\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(Signature(Authorization(Get("/", {{"Param2", "value2"}, {"Param1", "value1"}}))),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, GetVanillaQueryOrderValueSortsRepeatedNamesByValue) {
  EXPECT_EQ(Signature(Authorization(Get("/", {{"Param1", "value2"}, {"Param1", "value1"}}))),
            "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");
}

TEST(SigV4Test, GetUnreservedIsNotEncoded) {
  EXPECT_EQ(Signature(Authorization(
                Get("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))),
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST(SigV4Test, GetUtf8QueryIsEncodedByteByByte) {
  EXPECT_EQ(Signature(Authorization(Get("/", {{"\xe1\x88\xb4", "bar"}}))),
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST(SigV4Test, GetHeaderValueTrimAndDuplicates) {
  SignRequest trim = Get("/");
  trim.headers.emplace_back("My-Header1", " value1");
  trim.headers.emplace_back("My-Header2", "\"a   b   c\"");
  EXPECT_EQ(Signature(Authorization(trim)),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  SignRequest dup = Get("/");
  for (const char* v : {"value2", "value2", "value1"}) dup.headers.emplace_back("My-Header1", v);
  EXPECT_EQ(Signature(Authorization(dup)),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(SigV4Test, PostFormBodyIsHashed) {
  SignRequest r{
      "POST",
      "/",
      {},
      {{"Host", "example.amazonaws.com"}, {"Content-Type", "application/x-www-form-urlencoded"}},
      Sha256Hex("Param1=value1")};
  EXPECT_EQ(r.payload_hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(Signature(Authorization(r)),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, SessionTokenIsSigned) {
  const Credentials with_token{kSuite.access_key, kSuite.secret_key,
                               "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"};
  const std::string a = Authorization(Get("/"), with_token);
  EXPECT_NE(a.find("SignedHeaders=host;x-amz-date;x-amz-security-token"), std::string::npos);
  EXPECT_EQ(Signature(a), "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
}

// The S3 documentation's GetObject example (a range read of examplebucket/test.txt).
TEST(SigV4Test, S3DocumentationGetObjectExample) {
  SignRequest r{"GET",
                "/test.txt",
                {},
                {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", kEmpty}},
                kEmpty};
  Sign(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""}, "us-east-1",
       "s3", "20130524T000000Z");
  EXPECT_EQ(r.headers.back().second,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, S3PathsAreEncodedOncePerSegment) {
  EXPECT_EQ(UriEncode("/bucket/a key/b+c/ü", true), "/bucket/a%20key/b%2Bc/%C3%BC");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  SignRequest r = Get("/", {{"uploads", ""}});
  r.headers.emplace_back("x-amz-date", kDate);
  std::string signed_headers;
  EXPECT_NE(CanonicalRequest(r, &signed_headers).find("\nuploads=\n"), std::string::npos);
}

}  // namespace
}  // namespace basin::s3
