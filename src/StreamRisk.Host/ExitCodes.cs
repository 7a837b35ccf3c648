namespace StreamRisk.Host;

/// <summary>Process exit codes of the <c>streamrisk</c> executable.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The work itself failed (a service unreachable, an I/O error).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or bad input document: the message names what to fix.</summary>
    public const int Usage = 2;
}

/// <summary>Bad user input: reported as one line on stderr with exit code 2, never as a stack trace.</summary>
public sealed class UsageException(string message) : Exception(message);
