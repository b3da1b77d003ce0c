using Tunnel.Connector.Cli;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>`tunnel replay --edit`: the text a person edits is read back as they meant it, or refused with the line that is wrong.</summary>
public class ReplayEditTests
{
    [Fact]
    public void The_edited_request_reads_back_method_path_headers_and_body_without_the_editors_last_newline()
    {
        var edited = InspectCommands.Parse(
            "PUT /hooks/1?x=y HTTP/1.1\n# Headers below\nContent-Type: application/json\n# Authorization: Bearer [redacted]\nX-Empty:\n\n{\n  \"a\": 1\n}\n\ntrailing blank kept\n");
        Assert.Equal("PUT", edited["method"]!.GetValue<string>());
        Assert.Equal("/hooks/1?x=y", edited["path"]!.GetValue<string>());
        Assert.Equal("""[["Content-Type","application/json"],["X-Empty",""]]""", edited["headers"]!.ToJsonString());
        Assert.Equal("{\n  \"a\": 1\n}\n\ntrailing blank kept", edited["body"]!.GetValue<string>());

        var crlf = InspectCommands.Parse("GET /\r\nAccept: */*\r\n");
        Assert.Equal("", crlf["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("POST\n", "the first line must be METHOD /path")]
    [InlineData("POST /x\nnot a header\n\nbody", "line 2 is not a header")]
    public void A_malformed_edit_is_refused_with_what_to_fix(string text, string message)
    {
        var error = Assert.Throws<CliException>(() => InspectCommands.Parse(text));
        Assert.Contains(message, error.Message);
        Assert.Contains("Nothing was replayed", error.Message);
    }
}

public class CapturedTextTests
{
    [Fact]
    public void Terminal_escapes_in_captured_text_are_shown_not_sent()
    {
        Assert.Equal("a\\x1b]52;c;ZXZpbA==\\x07b\nline two\tx", InspectCommands.Safe("a\u001b]52;c;ZXZpbA==\u0007b\nline two\tx"));
        Assert.Equal("plain", InspectCommands.Safe("plain"));
    }
}
