# SPDX-License-Identifier: Apache-2.0
# Checks that PowerShell scripts keep to what Windows PowerShell 5.1
# parses and runs: PowerShell 7's own parser reads each file, and its AST
# and tokens are searched for the syntax 5.1 lacks, and for the few
# PowerShell 6+ cmdlets, parameters and .NET overloads a script is most
# likely to pick up by habit.  Prints "FILE:LINE: what" for each finding
# and "FILE: ok" for a clean file; exits 1 when anything was found.
# usage: pwsh -NoProfile -File ps51-grammar.ps1 FILE...

$ErrorActionPreference = 'Stop'
$found = 0
$A = [System.Management.Automation.Language.Ast]

# Cmdlets PowerShell 5.1 does not have, and parameters it lacks.
$newCmdlets = @('ForEach-Object:Parallel', 'ConvertFrom-Json:AsHashtable',
	'ConvertFrom-Json:NoEnumerate', 'ConvertFrom-Json:DateKind',
	'ConvertTo-Json:EscapeHandling', 'Invoke-WebRequest:SkipCertificateCheck',
	'Invoke-WebRequest:Resume', 'Invoke-WebRequest:MaximumRetryCount',
	'Invoke-RestMethod:SkipCertificateCheck', 'Get-Content:AsByteStream',
	'Set-Content:AsByteStream', 'Add-Content:AsByteStream', 'Test-Json:',
	'Join-String:', 'Get-Error:', 'Remove-Alias:', 'Get-Uptime:')

function Report([string]$File, [int]$Line, [string]$What) {
	[Console]::Out.WriteLine("${File}:${Line}: $What")
	$script:found++
}

foreach ($f in $args) {
	$tokens = $null
	$errors = $null
	$ast = [System.Management.Automation.Language.Parser]::ParseFile($f, [ref]$tokens, [ref]$errors)
	$before = $script:found
	foreach ($e in $errors) { Report $f $e.Extent.StartLineNumber "does not parse: $($e.Message)" }
	foreach ($t in $tokens) {
		$k = $t.Kind.ToString()
		if ($k -eq 'QuestionQuestion' -or $k -eq 'QuestionQuestionEquals') { Report $f $t.Extent.StartLineNumber "'$($t.Text)' (null-coalescing, PowerShell 7)" }
		elseif ($k -eq 'QuestionDot' -or $k -eq 'QuestionLBracket') { Report $f $t.Extent.StartLineNumber "'$($t.Text)' (null-conditional member access, PowerShell 7)" }
		elseif ($k -eq 'AndAnd' -or $k -eq 'OrOr') { Report $f $t.Extent.StartLineNumber "'$($t.Text)' (pipeline chain, PowerShell 7)" }
	}
	$nodes = $ast.FindAll({ param($n) $true }, $true)
	foreach ($n in $nodes) {
		$type = $n.GetType().Name
		$line = $n.Extent.StartLineNumber
		if ($type -eq 'TernaryExpressionAst') { Report $f $line "'? :' ternary (PowerShell 7)" }
		elseif ($type -eq 'PipelineChainAst') { Report $f $line "'&&'/'||' pipeline chain (PowerShell 7)" }
		elseif ($type -eq 'ScriptBlockAst' -and $null -ne $n.CleanBlock) { Report $f $line "a clean {} block (PowerShell 7.3)" }
		elseif ($type -eq 'CommandAst') {
			$name = $n.GetCommandName()
			if ($null -eq $name) { continue }
			foreach ($c in $newCmdlets) {
				$cmd, $par = $c.Split(':')
				if ($name -ne $cmd) { continue }
				if ($par -eq '') { Report $f $line "$cmd (no such cmdlet in PowerShell 5.1)"; continue }
				foreach ($el in $n.CommandElements) {
					if ($el -is [System.Management.Automation.Language.CommandParameterAst] -and $par.StartsWith($el.ParameterName, [StringComparison]::OrdinalIgnoreCase) -and $el.ParameterName.Length -ge 2) {
						Report $f $line "$cmd -$par (PowerShell 6+)"
					}
				}
			}
		} elseif ($type -eq 'InvokeMemberExpressionAst') {
			# .NET Framework 4's File.Move and Directory.Move take two
			# arguments; the overwrite overload is .NET Core 3+.
			$m = $n.Member.Extent.Text
			$tgt = $n.Expression.Extent.Text
			if ($m -eq 'Move' -and $tgt -match 'IO\.(File|Directory)\]$' -and @($n.Arguments).Count -ne 2) {
				Report $f $line "$tgt::Move with $(@($n.Arguments).Count) arguments (.NET Core only)"
			}
		}
	}
	if ($script:found -eq $before) { [Console]::Out.WriteLine("${f}: ok") }
}
if ($found -gt 0) { exit 1 }
exit 0
