using Microsoft.Extensions.Options;
using Timely.Communication;

namespace Timely.Hosting;

/// <summary>Checks the bound <see cref="TimelyOptions"/> when the host starts: one failure line per setting that does not fit.</summary>
internal sealed class TimelyOptionsValidator : IValidateOptions<TimelyOptions>
{
    public ValidateOptionsResult Validate(string? name, TimelyOptions options)
    {
        try
        {
            options.ToConfig();
            return ValidateOptionsResult.Success;
        }
        catch (ConfigException e)
        {
            return ValidateOptionsResult.Fail($"{TimelyOptions.SectionName}: {e.Message}");
        }
    }
}
