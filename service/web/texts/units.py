"""Dutch texts of the units pages (English text → Dutch)."""

DUTCH: dict[str, str] = {
    # The list
    "The unit was added.": "De woning is toegevoegd.",
    "The unit was saved.": "De woning is opgeslagen.",
    "The unit was withdrawn.": "De woning is teruggetrokken.",
    "The unit is available again.": "De woning is weer beschikbaar.",
    "Your units": "Uw woningen",
    "All": "Alle",
    "Show": "Tonen",
    "Available units": "Beschikbare woningen",
    "Units that corporations offer in your municipalities and that are available now or later.": (
        "Woningen die corporaties in uw gemeenten aanbieden en die nu of later beschikbaar zijn."
    ),
    "Corporation": "Corporatie",
    "Reference": "Kenmerk",
    "Municipality": "Gemeente",
    "Kind": "Soort",
    "Address": "Adres",
    "Bedrooms": "Slaapkamers",
    "Max occupants": "Maximaal aantal bewoners",
    "Accessibility": "Toegankelijkheid",
    "Available": "Beschikbaar",
    "Status": "Status",
    "Actions": "Acties",
    "wheelchair accessible": "rolstoeltoegankelijk",
    "ground floor": "begane grond",
    "pets allowed": "huisdieren toegestaan",
    "from": "vanaf",
    "until": "tot en met",
    "at most": "hoogstens",
    "days": "dagen",
    "Edit": "Wijzigen",
    "Withdraw this unit? It is taken off the market; an open offer on it is cancelled.": (
        "Deze woning terugtrekken? Ze wordt van de markt gehaald; een lopend aanbod erop vervalt."
    ),
    "Withdraw": "Terugtrekken",
    "Make available again": "Weer beschikbaar maken",
    "No units to show.": "Geen woningen om te tonen.",
    "Next page": "Volgende pagina",
    # Kinds and statuses
    "Emergency shelter": "Noodopvang",
    "Transitional housing": "Wisselwoning",
    "Other": "Anders",
    "Reserved": "Gereserveerd",
    "Occupied": "Bewoond",
    "Withdrawn": "Teruggetrokken",
    # The form
    "Edit unit": "Woning wijzigen",
    "The unit": "De woning",
    "Your reference": "Uw kenmerk",
    "Your own code for the unit: letters, digits and . _ : -": (
        "Uw eigen code voor de woning: letters, cijfers en . _ : -"
    ),
    "Rent per month (euro)": "Huur per maand (euro)",
    "For example 650 or 650,50.": "Bijvoorbeeld 650 of 650,50.",
    "Address and location": "Adres en locatie",
    "Street": "Straat",
    "House number": "Huisnummer",
    "Postcode": "Postcode",
    "For example 1012 AB.": "Bijvoorbeeld 1012 AB.",
    "City": "Plaats",
    "Latitude": "Breedtegraad",
    "WGS84 degrees, e.g. 52.3702": "WGS84-graden, bijvoorbeeld 52.3702",
    "Longitude": "Lengtegraad",
    "WGS84 degrees, e.g. 4.8952": "WGS84-graden, bijvoorbeeld 4.8952",
    "Wheelchair accessible": "Rolstoeltoegankelijk",
    "Ground floor": "Begane grond",
    "Pets allowed": "Huisdieren toegestaan",
    "Availability": "Beschikbaarheid",
    "Available from": "Beschikbaar vanaf",
    "Available until": "Beschikbaar tot en met",
    "Leave empty when open-ended.": "Leeg laten als er geen einddatum is.",
    "Longest stay (days)": "Langste verblijf (dagen)",
    "Leave empty when there is no maximum.": "Leeg laten als er geen maximum is.",
    "Fill in the latitude.": "Vul de breedtegraad in.",
    "Fill in the longitude.": "Vul de lengtegraad in.",
    "Give the rent in euros, e.g. 650 or 650,50.": (
        "Geef de huur in euro, bijvoorbeeld 650 of 650,50."
    ),
    "Someone changed this unit after you opened the form; nothing was saved. Reload the form "
    "to see the current values and make your change again.": (
        "Iemand anders heeft deze woning gewijzigd nadat u het formulier opende; er is niets "
        "opgeslagen. Laad het formulier opnieuw om de huidige gegevens te zien en breng uw "
        "wijziging opnieuw aan."
    ),
    "Give a Dutch postcode: four digits and two letters, e.g. 1012 AB.": (
        "Geef een Nederlandse postcode: vier cijfers en twee letters, bijvoorbeeld 1012 AB."
    ),
    "Give a house number, with a letter or addition if any: 12, 12A.": (
        "Geef een huisnummer, met letter of toevoeging als die er is: 12, 12A."
    ),
    "Use letters, digits and . _ : - only (no spaces), at most 60 characters.": (
        "Gebruik alleen letters, cijfers en . _ : - (geen spaties), hoogstens 60 tekens."
    ),
    # The upload
    "Stored": "Opgeslagen",
    "new": "nieuw",
    "changed": "gewijzigd",
    "unchanged": "ongewijzigd",
    "rows skipped because of errors": "regels overgeslagen wegens fouten",
    "See your units": "Naar uw woningen",
    "rows have errors; nothing was stored.": "regels bevatten fouten; er is niets opgeslagen.",
    "Fix the rows below and upload the file again, or tick “store the valid rows”.": (
        "Verbeter de regels hieronder en upload het bestand opnieuw, of vink "
        "“de goede regels opslaan” aan."
    ),
    "Errors per row": "Fouten per regel",
    "Row": "Regel",
    "Field": "Veld",
    "Message": "Melding",
    "Row 1 is the first line after the header.": "Regel 1 is de eerste regel na de kopregel.",
    "CSV file": "CSV-bestand",
    "A header line with the columns below; one unit per line. A unit whose reference you "
    "already have is updated.": (
        "Een kopregel met de kolommen hieronder; één woning per regel. Een woning met een "
        "kenmerk dat u al heeft, wordt bijgewerkt."
    ),
    "Store the valid rows": "De goede regels opslaan",
    "Without this, one bad row stops the whole upload and nothing is stored.": (
        "Zonder dit stopt één foute regel de hele upload en wordt er niets opgeslagen."
    ),
    "Upload": "Uploaden",
    "Columns": "Kolommen",
    "The location as lon and lat (WGS84) or rd_x and rd_y (RD New). Flags: true or false; "
    "empty cells mean not given. Rent in euro cents.": (
        "De locatie als lon en lat (WGS84) of rd_x en rd_y (RD New). Vinkjes: true of false; "
        "lege cellen betekenen niet opgegeven. Huur in eurocenten."
    ),
    "Choose a CSV file.": "Kies een CSV-bestand.",
    "The file is larger than 5 MB; split it.": "Het bestand is groter dan 5 MB; splits het.",
    "The file could not be read.": "Het bestand kon niet worden gelezen.",
    "The CSV file has no header line.": "Het CSV-bestand heeft geen kopregel.",
    "The CSV file is not UTF-8.": "Het CSV-bestand is niet in UTF-8.",
}
