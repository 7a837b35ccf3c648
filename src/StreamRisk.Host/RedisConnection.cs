using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace StreamRisk.Host;

/// <summary>
/// The one meaning of <c>--redis</c> in every verb: <c>HOST:PORT</c> or a StackExchange.Redis configuration string
/// (<c>host:port,ssl=true,user=risk</c>). A password never comes from the command line, where any user of the machine
/// can read it: it comes from a file (<c>--redis-password-file</c>, <c>StreamRisk:Redis:PasswordFile</c>), else from
/// <see cref="PasswordVariable"/>; <c>run</c>'s configuration file or environment may also carry <c>password=</c>
/// in <c>StreamRisk:Redis:Configuration</c>. Nothing here ever prints a password (see docs/alerts-and-hooks.md).
/// </summary>
internal static class RedisConnection
{
    public const string PasswordVariable = "STREAMRISK_REDIS_PASSWORD";

    public const string PasswordFileName = "--redis-password-file";

    /// <summary>The <c>--redis-password-file</c> option, the same in every verb.</summary>
    public static Option<string?> PasswordFileOption() => new(PasswordFileName)
    {
        HelpName = "FILE",
        Description = $"File holding the Redis password (one line). Default: ${PasswordVariable}, if set.",
    };

    /// <summary>The <c>--redis</c> option's parser: a valid configuration with at least one endpoint and no password.</summary>
    public static string? ParseOption(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (!TryParse(text, out var options, out var problem))
        {
            result.AddError("--redis: " + problem);
            return null;
        }

        if (options.Password is not null)
        {
            // The value is not repeated: it is the secret.
            result.AddError($"--redis: a password does not belong on the command line (other users can read it); put it in a file given to {PasswordFileName}, or in ${PasswordVariable}");
            return null;
        }

        return text;
    }

    /// <summary>
    /// The client configuration of <paramref name="configuration"/> with its password from <paramref name="passwordFile"/>
    /// or <see cref="PasswordVariable"/> unless the configuration has one; <see cref="UsageException"/> for bad input.
    /// </summary>
    public static ConfigurationOptions Options(string configuration, string? passwordFile)
    {
        if (!TryParse(configuration, out var options, out var problem))
        {
            throw new UsageException("StreamRisk:Redis:Configuration: " + problem);
        }

        if (!string.IsNullOrEmpty(passwordFile))
        {
            options.Password ??= ReadPasswordFile(passwordFile);
        }
        else if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } password)
        {
            options.Password ??= password;
        }

        // Start at once and connect in the background: the publisher buffers and the hook retries until Redis answers.
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>The endpoints of <paramref name="options"/> as <c>host:port</c>, for messages: never the password or other settings.</summary>
    public static string Endpoints(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Join(",", options.EndPoints.Select(endpoint => endpoint switch
        {
            DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
            _ => endpoint.ToString(),
        }));
    }

    /// <summary>Quoted for a POSIX shell where needed, so a printed command works when pasted.</summary>
    public static string ShellQuoted(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or ',' or '=' or '_' or '-' or '/' or '[' or ']' or '@')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool TryParse(string text, out ConfigurationOptions options, out string problem)
    {
        options = new ConfigurationOptions();
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "expected HOST:PORT or a StackExchange.Redis configuration string, e.g. 127.0.0.1:6379";
            return false;
        }

        try
        {
            options = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException ex)
        {
            // StackExchange.Redis names the keyword and the refused value; a refused value is never the password, which
            // takes any text.
            problem = ex.Message.ReplaceLineEndings(" ");
            return false;
        }

        if (options.EndPoints.Count == 0)
        {
            problem = "no HOST:PORT given (e.g. 127.0.0.1:6379)";
            return false;
        }

        foreach (var endpoint in options.EndPoints)
        {
            if (endpoint is DnsEndPoint { Port: < 0 or > 65535 } or DnsEndPoint { Host.Length: 0 })
            {
                problem = "expected HOST:PORT with a port from 1 to 65535";
                return false;
            }
        }

        return true;
    }

    private static string ReadPasswordFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{PasswordFileName} {path}: no such file");
        }

        var password = File.ReadAllText(path).TrimEnd('\r', '\n');
        return password.Length > 0 ? password : throw new UsageException($"{PasswordFileName} {path}: the file is empty");
    }
}
