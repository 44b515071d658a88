// The S3 answer parsers on malformed, hostile and well-formed input: a clear error for
// anything wrong, never an exception, a crash or a silently wrong value.
#include "store/s3/s3_protocol.h"

#include <gtest/gtest.h>

#include "s3_test_util.h"

namespace basin::s3 {
namespace {

const char* const kGarbage[] = {"",
                                "not xml",
                                "<",
                                "<?xml version=\"1.0\"?>",
                                "<Other/>",
                                "\xff\xfe<\x00>",
                                "<Error><Code>NoSuchKey</Code></Error>"};

TEST(S3ProtocolTest, ErrorCodesAndMessagesAreReadAndMadePrintable) {
  S3Error e = ParseError(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>");
  EXPECT_EQ(e.code, "NoSuchBucket");
  EXPECT_EQ(e.message, "gone");
  e = ParseError("<Error><Code>Bad\x01\nCode" + std::string(500, 'x') + "</Code></Error>");
  EXPECT_EQ(e.code.substr(0, 9), "Bad??Code");
  EXPECT_LE(e.code.size(), 64u + 3);
  EXPECT_TRUE(ParseError("").code.empty());
  EXPECT_TRUE(ParseError("<ListBucketResult/>").code.empty());
}

TEST(S3ProtocolTest, UploadIdsMustBePresentAndPrintable) {
  auto id = ParseUploadId(
      "<InitiateMultipartUploadResult><UploadId>2~abc</UploadId></InitiateMultipartUploadResult>");
  ASSERT_OK(id);
  EXPECT_EQ(*id, "2~abc");
  for (const std::string& bad :
       {std::string("<InitiateMultipartUploadResult/>"),
        std::string("<InitiateMultipartUploadResult><UploadId></UploadId>"
                    "</InitiateMultipartUploadResult>"),
        std::string("<InitiateMultipartUploadResult><UploadId>a b</UploadId>"
                    "</InitiateMultipartUploadResult>"),
        "<InitiateMultipartUploadResult><UploadId>" + std::string(2000, 'a') +
            "</UploadId></InitiateMultipartUploadResult>"}) {
    EXPECT_TRUE(ParseUploadId(bad).status().IsIOError()) << bad.substr(0, 80);
  }
  for (const char* g : kGarbage) EXPECT_FALSE(ParseUploadId(g).ok()) << g;
}

TEST(S3ProtocolTest, CompletionAnswersAreSuccessAnErrorCodeOrRefused) {
  auto ok = ParseCompleteAnswer(
      "<CompleteMultipartUploadResult><ETag></ETag>"
      "</CompleteMultipartUploadResult>");
  ASSERT_OK(ok);
  EXPECT_EQ(*ok, "");
  auto err = ParseCompleteAnswer("<Error><Code>InternalError</Code></Error>");
  ASSERT_OK(err);
  EXPECT_EQ(*err, "InternalError");
  EXPECT_TRUE(IsTransientCode(*err));
  EXPECT_FALSE(IsTransientCode("InvalidPart"));
  for (const char* g : {"", "garbage", "<Other/>", "   "}) {
    EXPECT_TRUE(ParseCompleteAnswer(g).status().IsIOError()) << g;
  }
}

TEST(S3ProtocolTest, ListingsAreReadWhole) {
  auto page = ParseListAnswer(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a</Key><Size>12</Size><ETag>\"e1\"</ETag>"
      "<LastModified>2026-12-07T08:49:37.000Z</LastModified></Contents>"
      "<Contents><Key>p/b &amp; c</Key><Size>0</Size><ETag>\"e2\"</ETag></Contents>"
      "</ListBucketResult>");
  ASSERT_OK(page);
  EXPECT_TRUE(page->truncated);
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_EQ(page->objects[0].etag, "\"e1\"");
  EXPECT_NE(page->objects[0].last_modified.time_since_epoch().count(), 0);
  EXPECT_EQ(page->objects[1].key, "p/b & c");
}

TEST(S3ProtocolTest, MalformedListingsAreRefused) {
  auto list = [](const std::string& truncated, const std::string& contents) {
    return "<ListBucketResult><IsTruncated>" + truncated + "</IsTruncated>" + contents +
           "</ListBucketResult>";
  };
  const std::string good = "<Key>k</Key><Size>1</Size><ETag>\"e\"</ETag>";
  ASSERT_OK(ParseListAnswer(list("false", "<Contents>" + good + "</Contents>")));
  const std::vector<std::string> bad = {
      list("yes", ""),
      list("", ""),
      list("TRUE", ""),
      "<ListBucketResult><Contents>" + good + "</Contents></ListBucketResult>",
      list("false", "<Contents><Size>1</Size><ETag>\"e\"</ETag></Contents>"),
      list("false", "<Contents><Key>k</Key><Size>-1</Size><ETag>\"e\"</ETag></Contents>"),
      list("false", "<Contents><Key>k</Key><Size>1x</Size><ETag>\"e\"</ETag></Contents>"),
      list("false", "<Contents><Key>k</Key><Size> 1</Size><ETag>\"e\"</ETag></Contents>"),
      list("false",
           "<Contents><Key>k</Key><Size>99999999999999999999</Size><ETag>\"e\"</ETag>"
           "</Contents>"),
      list("false", "<Contents><Key>k</Key><ETag>\"e\"</ETag></Contents>"),
      list("false", "<Contents><Key>k</Key><Size>1</Size></Contents>"),
      list("false", "<Contents><Key>k</Key><Size>1</Size><ETag>a\nb</ETag></Contents>"),
      list("false", "<Contents>" + good + "<LastModified>yesterday</LastModified></Contents>"),
      list("false", "<Contents><Key>" + std::string(1025, 'k') +
                        "</Key><Size>1</Size><ETag>\"e\"</ETag></Contents>"),
  };
  for (const std::string& body : bad) {
    EXPECT_TRUE(ParseListAnswer(body).status().IsIOError()) << body.substr(0, 200);
  }
  for (const char* g : kGarbage) EXPECT_TRUE(ParseListAnswer(g).status().IsIOError()) << g;
}

TEST(S3ProtocolTest, DeleteAnswersReportTheFirstFailedKey) {
  EXPECT_OK(ParseDeleteAnswer("<DeleteResult/>"));
  EXPECT_OK(ParseDeleteAnswer("<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>"));
  Status s = ParseDeleteAnswer(
      "<DeleteResult><Error><Key>p/a</Key><Code>AccessDenied</Code></Error></DeleteResult>");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find("'p/a': AccessDenied"), std::string::npos) << s.message();
  for (const char* g : kGarbage) EXPECT_TRUE(ParseDeleteAnswer(g).IsIOError()) << g;
}

TEST(S3ProtocolTest, UploadListingsAreReadWithTheirMarkersAndTimes) {
  auto a = ParseListUploadsAnswer(
      "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>p/b</NextKeyMarker><NextUploadIdMarker>2~x</NextUploadIdMarker>"
      "<Upload><Key>p/a&amp;</Key><UploadId>2~w</UploadId>"
      "<Initiated>2026-12-07T08:49:37.000Z</Initiated></Upload>"
      "<Upload><Key>p/b</Key><UploadId>2~x</UploadId>"
      "<Initiated>2026-12-07T08:49:38.500Z</Initiated></Upload></ListMultipartUploadsResult>");
  ASSERT_OK(a);
  EXPECT_TRUE(a->truncated);
  EXPECT_EQ(a->next_key_marker, "p/b");
  EXPECT_EQ(a->next_upload_id_marker, "2~x");
  ASSERT_EQ(a->uploads.size(), 2u);
  EXPECT_EQ(a->uploads[0].key, "p/a&");
  EXPECT_EQ(a->uploads[1].upload_id, "2~x");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(a->uploads[1].initiated -
                                                             a->uploads[0].initiated)
                .count(),
            1);
  auto empty = ParseListUploadsAnswer(
      "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>");
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->uploads.empty());
  for (const std::string& bad :
       {std::string("<ListMultipartUploadsResult/>"),
        std::string("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                    "</ListMultipartUploadsResult>"),  // no marker to go on from
        "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>" +
            std::string(2000, 'k') + "</NextKeyMarker></ListMultipartUploadsResult>",
        std::string("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload>"
                    "<UploadId>u</UploadId><Initiated>2026-12-07T08:49:37.000Z</Initiated>"
                    "</Upload></ListMultipartUploadsResult>"),
        std::string("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload>"
                    "<Key>k</Key><UploadId>u</UploadId><Initiated>soon</Initiated>"
                    "</Upload></ListMultipartUploadsResult>"),
        std::string("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload>"
                    "<Key>k</Key><UploadId></UploadId><Initiated>2026-12-07T08:49:37.000Z"
                    "</Initiated></Upload></ListMultipartUploadsResult>")}) {
    EXPECT_TRUE(ParseListUploadsAnswer(bad).status().IsIOError()) << bad.substr(0, 120);
  }
  for (const char* g : kGarbage) EXPECT_FALSE(ParseListUploadsAnswer(g).ok()) << g;
}

TEST(S3ProtocolTest, RequestBodiesAreEscaped) {
  EXPECT_EQ(DeleteObjectsXml({"a&b", "<c>"}),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
            "<Object><Key>&lt;c&gt;</Key></Object></Delete>");
  EXPECT_EQ(CompleteMultipartXml({"\"e1\"", "\"e<2\""}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"e&lt;2\"</ETag></Part>"
            "</CompleteMultipartUpload>");
}

// The two parts' ETags and the completed object's, as radosgw 16 gave them.
TEST(S3ProtocolTest, MultipartEtagIsTheMd5OfThePartMd5s) {
  EXPECT_EQ(
      MultipartEtag({"\"c57cd80d00c6c2ad1f9abb2d1c0e768f\"", "7aea2552dfe7eb84b9443b6fc9ba6e01"}),
      "\"ee59f80982264cb733c372ba07d26b70-2\"");
  EXPECT_EQ(MultipartEtag({"\"c57cd80d00c6c2ad1f9abb2d1c0e768f\"", "\"not-an-md5\""}), "");
  EXPECT_EQ(MultipartEtag({"\"c57cd80d00c6c2ad1f9abb2d1c0e768g\""}), "");
}

}  // namespace
}  // namespace basin::s3
