#include "store/s3/s3_protocol.h"

#include <openssl/evp.h>

#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "store/s3/http.h"

namespace basin::s3 {
namespace {

constexpr size_t kMaxToken = 1024;  // longest UploadId or ETag accepted

bool Load(pugi::xml_document* doc, std::string_view body) {
  return !body.empty() && doc->load_buffer(body.data(), body.size());
}

bool PrintableToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxToken) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Escaped(std::string_view text) {
  pugi::xml_document d;
  d.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
  std::ostringstream out;
  d.print(out, "", pugi::format_raw);
  return out.str();
}

Status BadAnswer(std::string_view what, std::string_view body) {
  return Status::IOError(
      fmt::format("the server's {} answer is malformed: '{}'", what, Printable(body, 200)));
}

}  // namespace

std::string Printable(std::string_view text, size_t max) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > max) out += "...";
  return out;
}

S3Error ParseError(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return {};
  const pugi::xml_node e = doc.child("Error");
  return {Printable(e.child("Code").text().as_string(), 64),
          Printable(e.child("Message").text().as_string(), 200)};
}

bool IsTransientCode(std::string_view code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable";
}

bool ValidEtag(std::string_view etag) { return PrintableToken(etag); }

Result<std::string> ParseUploadId(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return BadAnswer("start multipart upload", body);
  const std::string id =
      doc.child("InitiateMultipartUploadResult").child("UploadId").text().as_string();
  if (!PrintableToken(id)) return BadAnswer("start multipart upload (UploadId)", body);
  return id;
}

Result<std::string> ParseCompleteAnswer(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return BadAnswer("complete multipart upload", body);
  if (doc.child("CompleteMultipartUploadResult")) return std::string();
  if (const pugi::xml_node e = doc.child("Error")) {
    const std::string code = Printable(e.child("Code").text().as_string(), 64);
    return code.empty() ? std::string("(no code)") : code;
  }
  return BadAnswer("complete multipart upload", body);
}

Result<ListAnswer> ParseListAnswer(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return BadAnswer("list", body);
  const pugi::xml_node result = doc.child("ListBucketResult");
  if (!result) return BadAnswer("list", body);
  ListAnswer answer;
  const std::string truncated = result.child("IsTruncated").text().as_string();
  if (truncated != "true" && truncated != "false") {
    return Status::IOError(fmt::format("list: the server's IsTruncated is '{}', not true or false",
                                       Printable(truncated)));
  }
  answer.truncated = truncated == "true";
  for (pugi::xml_node c : result.children("Contents")) {
    ObjectInfo info;
    info.key = c.child("Key").text().as_string();
    if (info.key.empty() || info.key.size() > kMaxKeyLength) {
      return Status::IOError(fmt::format("list: the server gave an entry without a valid key: '{}'",
                                         Printable(info.key)));
    }
    const std::string size = c.child("Size").text().as_string();
    if (!ParseDecimal(size, &info.size)) {
      return Status::IOError(fmt::format("list: the server gave '{}' the size '{}'",
                                         Printable(info.key), Printable(size)));
    }
    info.etag = c.child("ETag").text().as_string();
    if (!ValidEtag(info.etag)) {
      return Status::IOError(fmt::format("list: the server gave '{}' the entity tag '{}'",
                                         Printable(info.key), Printable(info.etag)));
    }
    if (const pugi::xml_node m = c.child("LastModified")) {
      const std::string when = m.text().as_string();
      if (!ParseIsoTime(when, &info.last_modified)) {
        return Status::IOError(fmt::format("list: the server gave '{}' the time '{}'",
                                           Printable(info.key), Printable(when)));
      }
    }
    answer.objects.push_back(std::move(info));
  }
  return answer;
}

Result<UploadsAnswer> ParseListUploadsAnswer(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return BadAnswer("list multipart uploads", body);
  const pugi::xml_node result = doc.child("ListMultipartUploadsResult");
  if (!result) return BadAnswer("list multipart uploads", body);
  UploadsAnswer answer;
  const std::string truncated = result.child("IsTruncated").text().as_string();
  if (truncated != "true" && truncated != "false") {
    return Status::IOError(
        fmt::format("list multipart uploads: the server's IsTruncated is '{}', not true or false",
                    Printable(truncated)));
  }
  answer.truncated = truncated == "true";
  answer.next_key_marker = result.child("NextKeyMarker").text().as_string();
  answer.next_upload_id_marker = result.child("NextUploadIdMarker").text().as_string();
  if (answer.next_key_marker.size() > kMaxKeyLength ||
      answer.next_upload_id_marker.size() > kMaxToken ||
      (answer.truncated && answer.next_key_marker.empty())) {
    return Status::IOError(
        fmt::format("list multipart uploads: the server's next markers '{}', '{}' are missing or "
                    "too long",
                    Printable(answer.next_key_marker), Printable(answer.next_upload_id_marker)));
  }
  for (pugi::xml_node u : result.children("Upload")) {
    Upload up;
    up.key = u.child("Key").text().as_string();
    if (up.key.empty() || up.key.size() > kMaxKeyLength) {
      return Status::IOError(
          fmt::format("list multipart uploads: the server gave an upload without a valid key: '{}'",
                      Printable(up.key)));
    }
    up.upload_id = u.child("UploadId").text().as_string();
    if (!PrintableToken(up.upload_id)) {
      return Status::IOError(
          fmt::format("list multipart uploads: the server gave '{}' the upload id '{}'",
                      Printable(up.key), Printable(up.upload_id)));
    }
    const std::string when = u.child("Initiated").text().as_string();
    if (!ParseIsoTime(when, &up.initiated)) {
      return Status::IOError(
          fmt::format("list multipart uploads: the server gave '{}' the start time '{}'",
                      Printable(up.key), Printable(when)));
    }
    answer.uploads.push_back(std::move(up));
  }
  return answer;
}

Status ParseDeleteAnswer(std::string_view body) {
  pugi::xml_document doc;
  if (!Load(&doc, body)) return BadAnswer("delete objects", body);
  const pugi::xml_node result = doc.child("DeleteResult");
  if (!result) return BadAnswer("delete objects", body);
  if (const pugi::xml_node e = result.child("Error")) {
    return Status::IOError(fmt::format("delete '{}': {} {}",
                                       Printable(e.child("Key").text().as_string(), 1024),
                                       Printable(e.child("Code").text().as_string(), 64),
                                       Printable(e.child("Message").text().as_string(), 200)));
  }
  return Status::OK();
}

std::string CompleteMultipartXml(const std::vector<std::string>& part_etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1,
                       Escaped(part_etags[i]));
  }
  return xml + "</CompleteMultipartUpload>";
}

std::string DeleteObjectsXml(const std::vector<std::string>& full_keys) {
  std::string xml = "<Delete><Quiet>true</Quiet>";
  for (const std::string& k : full_keys) xml += "<Object><Key>" + Escaped(k) + "</Key></Object>";
  return xml + "</Delete>";
}

std::string MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string md5s;
  for (std::string_view e : part_etags) {
    if (e.size() == 34 && e.front() == '"' && e.back() == '"') e = e.substr(1, 32);
    if (e.size() != 32) return "";
    for (size_t i = 0; i < 32; i += 2) {
      const int hi = HexValue(e[i]), lo = HexValue(e[i + 1]);
      if (hi < 0 || lo < 0) return "";
      md5s += static_cast<char>(hi * 16 + lo);
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(md5s.data(), md5s.size(), md, &len, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return fmt::format("\"{}-{}\"", hex, part_etags.size());
}

}  // namespace basin::s3
