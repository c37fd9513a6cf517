namespace Timely.Communication.Diagnostics;

/// <summary>How much a <see cref="DiagnosticMessage"/> matters; the values match <c>Microsoft.Extensions.Logging.LogLevel</c>'s of the same names.</summary>
public enum DiagnosticLevel
{
    /// <summary>Worth a line in the log: a step of set-up or tear-down.</summary>
    Information = 2,

    /// <summary>Something was left or refused that a person may want to look at; the run goes on.</summary>
    Warning = 3,

    /// <summary>Something failed; the run ends or has ended because of it.</summary>
    Error = 4,
}
