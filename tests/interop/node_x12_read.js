#!/usr/bin/env node
// Interop harness: read an X12 file with the npm package node-x12 in strict mode.
//
// Usage: NODE_PATH=build/node-x12/node_modules node tests/interop/node_x12_read.js FILE
//
// Prints exactly one line of JSON on stdout:
//   {"ok": true, "interchanges": N, "groups": N, "transactions": N, "segments": N,
//    "transaction_ids": ["850", ...], "delimiters": {...}, "node_x12_version": "1.7.1"}
// or, when node-x12 (or one of the completeness checks below) rejects the file,
//   {"ok": false, "error": "<message>", "error_name": "ParserError", "stage": "file" | "interchange N"}
// Exit code: 0 accepted, 1 rejected, 2 harness problem (bad usage, node-x12 missing, unreadable file).
//
// What node-x12 1.7.x strict mode (new X12Parser(true)) checks, read from its source:
//   * document at least 113 characters;
//   * delimiters are taken by position from the start of the text: element = char 3,
//     repetition = char 82 (ISA11), component = char 104 (ISA16), segment terminator = char 105;
//     the ISA must be exactly 106 characters (char 103 must be the element delimiter).
//     So nothing may precede the ISA: a UTF-8 BOM or leading whitespace shifts it and is rejected.
//     Only the FIRST ISA of the text is checked this way; its delimiters are used for the whole text.
//   * IEA01 = number of GS in the interchange, IEA02 = ISA13 (both compared as integers);
//   * GE01 = number of ST in the group, GE02 = GS06 (compared as strings: "0001" != "1");
//   * SE01 = number of segments ST..SE inclusive, SE02 = ST02 (compared as strings);
//   * no segment outside a group/transaction, no GE without GS, no SE without ST;
//   * at least one functional group (more than two segments).
// What it does NOT check, hence the extra checks in this harness:
//   * a missing IEA, GE or SE trailer is accepted silently (the trailer is just undefined);
//   * in a file with several interchanges, an interchange whose IEA is missing is silently dropped
//     from the result, and the second and later ISA headers are neither length-checked nor used
//     for delimiters;
//   * text after the last segment terminator is silently discarded (so an IEA without its
//     terminator vanishes, which the missing-trailer check then reports).
// Whitespace (CR, LF, spaces, tabs) between a terminator and the next segment tag is skipped,
// so "~\r\n" line breaks and indentation are fine as long as the ISA itself starts at offset 0.
// It does not look inside segments (no element counts, no code lists, no ISA field widths
// other than the overall 106 characters).
'use strict'

const fs = require('fs')

function emit (result, exitCode) {
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exitCode = exitCode
}

function failure (err, stage) {
  return {
    ok: false,
    error: err instanceof Error ? err.message : String(err),
    error_name: err instanceof Error ? err.name : typeof err,
    stage
  }
}

function escapeRegExp (s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// Split the text into one string per interchange.
//
// node-x12's strict parser does accept several interchanges in one text (it returns an
// X12FatInterchange), but it takes the delimiters and the 106-character ISA check from the first
// ISA only and silently drops an interchange whose IEA is missing. Parsing every interchange on
// its own with a fresh strict parser makes node-x12 apply all its ISA checks to every interchange.
//
// A new interchange starts where the previous interchange's segment terminator (char 105 from its
// start, exactly where node-x12 reads it) is followed by optional whitespace and "ISA" plus a
// non-alphanumeric element delimiter. The first chunk starts at offset 0 (so a BOM or leading
// whitespace stays in and node-x12 judges it); later chunks start at their "ISA".
function splitInterchanges (text) {
  const chunks = []
  let start = 0
  for (;;) {
    const terminator = text.charAt(start + 105)
    if (terminator === '') {
      chunks.push(text.slice(start))
      return chunks
    }
    const boundary = new RegExp(escapeRegExp(terminator) + '\\s*ISA(?=[^A-Za-z0-9])', 'g')
    boundary.lastIndex = start + 106
    const m = boundary.exec(text)
    if (m === null) {
      chunks.push(text.slice(start))
      return chunks
    }
    chunks.push(text.slice(start, m.index + 1))
    start = m.index + m[0].length - 3
  }
}

// The interchanges node-x12 returned: an X12Interchange, or an X12FatInterchange (an array).
function interchangesOf (parsed) {
  if (parsed === undefined || parsed === null) {
    return []
  }
  return Array.isArray(parsed.interchanges) ? Array.from(parsed.interchanges) : [parsed]
}

// node-x12 accepts missing trailers; an interchange without them is not well-formed X12.
function checkTrailers (interchange) {
  if (interchange.header === undefined) {
    throw new Error('harness: interchange has no ISA header')
  }
  const isa13 = interchange.header.valueOf(13)
  interchange.functionalGroups.forEach((group, gi) => {
    group.transactions.forEach((tx, ti) => {
      if (tx.trailer === undefined) {
        throw new Error(`harness: transaction ${ti + 1} (ST02 ${tx.header.valueOf(2)}) of group ${gi + 1} ` +
          'has no SE trailer (node-x12 does not check this)')
      }
    })
    if (group.trailer === undefined) {
      throw new Error(`harness: group ${gi + 1} (GS06 ${group.header.valueOf(6)}) has no GE trailer ` +
        '(node-x12 does not check this)')
    }
  })
  if (interchange.trailer === undefined) {
    throw new Error(`harness: interchange ISA13 ${isa13} has no IEA trailer, or the IEA lacks its ` +
      'segment terminator (node-x12 does not check this)')
  }
}

function countSegments (interchange) {
  let n = 2 // ISA + IEA (checkTrailers guarantees both)
  for (const group of interchange.functionalGroups) {
    n += 2 // GS + GE
    for (const tx of group.transactions) {
      n += 2 + tx.segments.length // ST + body + SE
    }
  }
  return n
}

function main (argv) {
  if (argv.length !== 1) {
    emit({ ok: false, error: 'usage: node node_x12_read.js FILE', error_name: 'UsageError', stage: 'harness' }, 2)
    return
  }
  let X12Parser
  let version
  try {
    X12Parser = require('node-x12').X12Parser
    version = require('node-x12/package.json').version
  } catch (err) {
    emit({
      ok: false,
      error: 'cannot load node-x12 (set NODE_PATH to build/node-x12/node_modules): ' + err.message,
      error_name: 'HarnessError',
      stage: 'harness'
    }, 2)
    return
  }
  let text
  try {
    // UTF-8 is also what X12Parser uses by default when it reads a stream.
    text = fs.readFileSync(argv[0], 'utf8')
  } catch (err) {
    emit({ ok: false, error: 'cannot read file: ' + err.message, error_name: 'HarnessError', stage: 'harness' }, 2)
    return
  }

  // 1. node-x12's own verdict on the whole file, exactly as a user of the library would get it.
  let whole
  try {
    whole = new X12Parser(true).parse(text)
  } catch (err) {
    emit(failure(err, 'file'), 1)
    return
  }

  // 2. Every interchange again on its own (see splitInterchanges), plus the trailer checks.
  //    A fresh parser per call: X12Parser keeps state between parse() calls.
  const chunks = splitInterchanges(text)
  const interchanges = []
  for (let i = 0; i < chunks.length; i++) {
    try {
      const parsed = interchangesOf(new X12Parser(true).parse(chunks[i]))
      if (parsed.length !== 1) {
        throw new Error(`harness: node-x12 found ${parsed.length} interchanges in what should be one`)
      }
      checkTrailers(parsed[0])
      interchanges.push(parsed[0])
    } catch (err) {
      emit(failure(err, `interchange ${i + 1}`), 1)
      return
    }
  }
  const wholeCount = interchangesOf(whole).length
  if (wholeCount !== interchanges.length) {
    emit(failure(new Error(`harness: node-x12 returned ${wholeCount} interchange(s) for the whole file ` +
      `but the file holds ${interchanges.length} ISA header(s)`), 'file'), 1)
    return
  }

  let groups = 0
  let transactions = 0
  let segments = 0
  const transactionIds = []
  for (const interchange of interchanges) {
    segments += countSegments(interchange)
    for (const group of interchange.functionalGroups) {
      groups += 1
      for (const tx of group.transactions) {
        transactions += 1
        transactionIds.push(tx.header.valueOf(1))
      }
    }
  }
  // Delimiters as node-x12 detected them from the first ISA. "repetition" is simply ISA11:
  // for ISA12 below 00402 that is the standards identifier (usually "U"), not a separator.
  const options = interchanges[0].options
  emit({
    ok: true,
    interchanges: interchanges.length,
    groups,
    transactions,
    segments,
    transaction_ids: transactionIds,
    delimiters: {
      element: options.elementDelimiter,
      component: options.subElementDelimiter,
      repetition: options.repetitionDelimiter,
      segment: options.segmentTerminator,
      line_ending: options.endOfLine === undefined || !options.format ? null : options.endOfLine
    },
    node_x12_version: version
  }, 0)
}

main(process.argv.slice(2))
